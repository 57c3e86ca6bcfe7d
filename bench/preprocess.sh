#!/usr/bin/env bash
# Preprocessing benchmark (issue #3): EdgeCam's fused pass vs libyuv and OpenCV compositions and
# a memcpy floor, in one process on the same frames. Prints a Markdown table for docs/BENCHMARKS.md.
# The harness is published as a NativeAOT binary with the device binary's code generation
# (IlcInstructionSet x86-x64-v2 on x64, as src/EdgeCam/EdgeCam.csproj), so EdgeCam's figures are
# those of the code edgecam runs; BENCH_JIT=1 runs it under the JIT instead (AVX encodings on x64).
# RUNS > 1 runs the whole harness that many times and reports each figure's median over the runs
# (on a shared 2-core VM the second core's availability moves the 2-thread column between runs).
# Usage: bench/preprocess.sh [ITERATIONS] [RUNS] [ONLY: rows whose "source tensor" contains this, e.g. "640x480 NV12 128"]
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
ITERATIONS="${1:-60}" RUNS="${2:-1}" ONLY="${3:-}"
bash "$REPO/scripts/setup-native-reference.sh"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
out="$ARTIFACTS/bench-preprocess"
if [ "${BENCH_JIT:-0}" = 1 ]; then
  how="JIT (.NET $(dotnet --version))"
  dotnet build "$REPO/bench/EdgeCam.Bench/EdgeCam.Bench.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly -o "$out-jit" >&2
  harness=(dotnet "$out-jit/EdgeCam.Bench.dll")
else
  how="NativeAOT (.NET 9 ILCompiler, the device binary's instruction set)"
  dotnet publish "$REPO/bench/EdgeCam.Bench/EdgeCam.Bench.csproj" -c Release -r "$(dotnet_rid)" -o "$out" -nologo -v quiet \
    -clp:ErrorsOnly -p:PublishAot=true >&2
  harness=("$out/EdgeCam.Bench")
fi
echo "Machine: $cpu, $(nproc) cores, $(uname -sr); $how; date $(date +%F); medians of $ITERATIONS iterations, $RUNS run(s)"
echo
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 "$RUNS"); do "${harness[@]}" "$ITERATIONS" "$ONLY" > "$tmp/run$i.md"; done
[ "$RUNS" -eq 1 ] && { cat "$tmp/run1.md"; exit 0; }
python3 - "$tmp" "$RUNS" <<'PY'
import re, statistics, sys
d, runs = sys.argv[1], int(sys.argv[2])
texts = [open(f"{d}/run{i}.md").read().splitlines() for i in range(1, runs + 1)]
header = next(l for l in texts[0] if l.startswith("| source"))
names = [c.strip() for c in header.strip("|").split("|")][2:9]
rows = {}
for t in texts:
    for l in t:
        if re.match(r"\| \d", l):
            c = [x.strip() for x in l.strip("|").split("|")]
            rows.setdefault((c[0], c[1]), []).append([float(x) for x in c[2:9]])
print("| source | tensor | " + " | ".join(names) + " | fast vs scalar | 1 thread vs best correct library | 2 threads vs best correct library | 1 thread vs libyuv bilinear |")
print("|---|---|" + "---|" * len(names) + "---|---|---|---|")
for (src, tensor), vals in rows.items():
    m = [statistics.median(v[i] for v in vals) for i in range(7)]
    best = min(m[3], m[4])
    print(f"| {src} | {tensor} | " + " | ".join(f"{x:.3f}" for x in m)
          + f" | {m[2] / m[0]:.1f}x | {best / m[0]:.2f}x | {best / m[1]:.2f}x | {m[6] / m[0]:.2f}x |")
print()
shares = [re.search(r"it computed [\d,]+ \((\d+)%\)", "\n".join(t)).group(1) for t in texts]
print(f"Share of rows the helper thread computed, per run: {', '.join(s + '%' for s in shares)}.")
print(next(l for l in texts[0] if l.startswith("Times are medians")))
PY
