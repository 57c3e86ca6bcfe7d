#!/usr/bin/env python3
"""Checks an strace log of edgecam against the unit's SystemCallFilter and MemoryDenyWriteExecute:
every system call made must be in @system-service minus @privileged and @resources (expanded by
`systemd-analyze syscall-filter`, i.e. systemd's own tables), and no memory may be mapped or
changed to writable+executable or made executable later. Prints one line per finding; exit 1 if any."""
import re, subprocess, sys

def groups():
    text = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True, text=True, check=True).stdout
    out, current = {}, None
    for line in text.splitlines():
        if line.startswith("@"):
            current = line.split()[0]; out[current] = []
        elif current and line.strip() and not line.strip().startswith("#"):
            out[current].append(line.strip())
    return out

def expand(name, table, seen=None):
    seen = set() if seen is None else seen
    if not name.startswith("@"):
        return {name}
    result = set()
    for member in table.get(name, []):
        if member not in seen:
            seen.add(member); result |= expand(member, table, seen)
    return result

table = groups()
allowed = expand("@system-service", table) - expand("@privileged", table) - expand("@resources", table)
used, problems = set(), []
call = re.compile(r"^(?:\[pid\s+)?\d*\]?\s*(\w+)\((.*)")
for line in open(sys.argv[1], errors="replace"):
    line = re.sub(r"^\d+\s+", "", line)
    m = call.match(line)
    if not m or m.group(1) in ("exited", "killed") or "resumed>" in line:
        continue
    name, args = m.group(1), m.group(2)
    used.add(name)
    if name in ("mmap", "mprotect", "pkey_mprotect"):
        if "PROT_EXEC" in args and "PROT_WRITE" in args:
            problems.append(f"writable+executable memory: {line.strip()[:160]}")
        elif name != "mmap" and "PROT_EXEC" in args:
            problems.append(f"memory made executable after mapping: {line.strip()[:160]}")
for name in sorted(used - allowed):
    problems.append(f"system call {name} is outside @system-service minus @privileged @resources")
for p in problems:
    print(p)
print(f"{len(used)} distinct system calls checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
