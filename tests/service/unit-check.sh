#!/usr/bin/env bash
# Checks systemd/edgecam.service without a running systemd (CI containers have none as PID 1):
#  - `systemd-analyze verify` accepts it (ExecStart pointed at the binary under test);
#  - `systemd-analyze security --offline=true` rates its exposure 2.5 or lower;
#  - the published binary, run as an unprivileged user (as DynamicUser= runs it) through a real run
#    with the HTTP API, event snapshots and a SIGHUP reload, makes only system calls that the unit's
#    SystemCallFilter allows and never maps writable+executable memory (MemoryDenyWriteExecute=),
#    checked on an strace log against systemd's own system-call groups.
# Prints "service: N passed, N failed".
set -uo pipefail
BIN="$(realpath "${1:?usage: unit-check.sh PATH/TO/edgecam}")"
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
source "$REPO/scripts/lib.sh"
apt_install systemd strace util-linux curl
UNIT="$REPO/systemd/edgecam.service"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0; failed=0
check() { # check NAME CONDITION-COMMAND...
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "  ok   $name"; else failed=$((failed + 1)); echo "  FAIL $name"; fi
}

sed "s|^ExecStart=/opt/edgecam/current/edgecam |ExecStart=$BIN |" "$UNIT" > "$TMP/edgecam.service"
check "systemd-analyze verify accepts the unit" sh -c "systemd-analyze verify '$TMP/edgecam.service' 2>'$TMP/verify.err' && ! grep -v '^$' '$TMP/verify.err'"
score=$(systemd-analyze security --offline=true "$UNIT" 2>/dev/null | sed -n 's/.*Overall exposure level for edgecam.service: \([0-9.]*\).*/\1/p')
echo "  exposure level: ${score:-unknown}"
check "exposure level ${score:-unknown} <= 2.5" python3 -c "import sys; sys.exit(0 if float('${score:-99}') <= 2.5 else 1)"

# A real run as nobody, with everything it reads copied where nobody may read it.
mkdir -p "$TMP/assets/demo" "$TMP/home" "$TMP/trace"
cp -L "$EDGECAM_CACHE"/data/demo/* "$TMP/assets/demo/"
cp "$EDGECAM_CACHE/models/blazeface/face_detection_front_128x128.onnx" "$EDGECAM_CACHE/models/blazeface/face_detection_front_128x128.card.json" "$TMP/assets/" 2>/dev/null \
  || cp "$EDGECAM_CACHE/models/blazeface/face_detection_front_128x128.onnx" "$TMP/assets/"
cp "$(dirname "$BIN")/libonnxruntime.so.1" "$TMP/assets/"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$TMP/assets/config.json" <<JSON
{ "source": { "kind": "directory", "path": "$TMP/assets/demo", "fps": 20, "framesPerImage": 2, "loop": true },
  "model": { "path": "$TMP/assets/face_detection_front_128x128.onnx", "runtime": "$TMP/assets/libonnxruntime.so.1", "threads": 2 },
  "gpio": { "chip": "simulated", "outputs": [ { "name": "door_light", "line": 17 } ] },
  "rules": [ { "name": "face_seen", "when": { "label": "face", "minScore": 0.6 }, "actions": [ { "output": "door_light" } ] } ],
  "http": { "listen": "127.0.0.1:$PORT", "token": "unit-check-token-0123456789" },
  "snapshots": { "directory": "$TMP/home/events", "maxMegabytes": 1 } }
JSON
chmod -R a+rX "$TMP"; chmod a+rwx "$TMP/home" "$TMP/trace"
setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$TMP/home" \
  strace -f -qq -o "$TMP/trace/strace.txt" "$BIN" run --config "$TMP/assets/config.json" >"$TMP/run.out" 2>"$TMP/run.err" &
tracer=$!
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
for path in healthz readyz metrics status snapshot.jpg; do curl -s -o /dev/null "http://127.0.0.1:$PORT/$path"; done
curl -s -o /dev/null -X POST -H "Authorization: Bearer unit-check-token-0123456789" "http://127.0.0.1:$PORT/outputs/door_light/pulse"
edgecam=$(pgrep -P "$tracer" -x edgecam | head -n 1)
sleep 1; kill -HUP "$edgecam"; sleep 1; kill -TERM "$edgecam"; wait "$tracer"; rc=$?
check "the traced run as an unprivileged user served the API and stopped cleanly" \
  sh -c "test $rc -eq 0 && grep -q 'config reloaded' '$TMP/run.err' && grep -q '\"summary\"' '$TMP/run.out' && ls '$TMP/home/events' | grep -q jpg"
check "system calls stay within SystemCallFilter; no writable+executable memory" python3 "$HERE/syscalls.py" "$TMP/trace/strace.txt"

echo "service: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
