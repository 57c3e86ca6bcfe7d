#!/usr/bin/env bash
# Runs the published NativeAOT binary itself (not the JIT build) on the demo, on `detect` and on
# bad inputs, checking outputs and exit codes. Prints "aot: N passed, N failed".
set -uo pipefail
BIN="${1:?usage: aot-smoke.sh PATH/TO/edgecam}"
CACHE="${EDGECAM_CACHE:-$HOME/.cache/edgecam}"
FRONT="$CACHE/models/blazeface/face_detection_front_128x128.onnx"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0; failed=0

check() { # check NAME CONDITION-COMMAND...
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "  ok   $name"; else failed=$((failed + 1)); echo "  FAIL $name"; fi
}

# expect_error NAME EXIT-CODE COMMAND...: the command fails with that code and one line on stderr, no stack trace.
expect_error() {
  local name="$1" code="$2"; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
  local lines; lines=$(grep -c . "$TMP/err")
  if [ "$rc" -eq "$code" ] && [ "$lines" -eq 1 ] && ! grep -q '   at ' "$TMP/err"; then
    passed=$((passed + 1)); echo "  ok   $name: $(cat "$TMP/err")"
  else
    failed=$((failed + 1)); echo "  FAIL $name: exit $rc (want $code), stderr:"; sed 's/^/       /' "$TMP/err" | head -n 10
  fi
}

echo "aot: $BIN"
check "--help exits 0" sh -c "\"$BIN\" --help >/dev/null"

"$BIN" run >"$TMP/run.out" 2>"$TMP/run.err"; rc=$?
check "demo run exits 0" test "$rc" -eq 0
check "demo switches the door light on and off" python3 - "$TMP/run.out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
outs = [l for l in lines if l.get("event") == "output" and l.get("output") == "door_light"]
summary = [l for l in lines if "summary" in l]
assert any(o["value"] for o in outs) and any(not o["value"] for o in outs), outs
s = summary[-1]["summary"]
assert s["framesProcessed"] >= 10, s
PY

"$BIN" run --loop >"$TMP/loop.out" 2>"$TMP/loop.err" &
pid=$!
sleep 3
kill -TERM "$pid"; wait "$pid"; rc=$?
check "SIGTERM stops a looping run with exit 0" test "$rc" -eq 0
check "SIGTERM puts the door light back in its safe state" grep -q "outputs in their safe state (stopped by signal): door_light=off" "$TMP/loop.err"
check "the run still prints its summary after SIGTERM" grep -q '"summary"' "$TMP/loop.out"

cat > "$TMP/synthetic.json" <<JSON
{ "source": { "kind": "synthetic", "width": 640, "height": 480, "format": "yuyv", "fps": 0, "frames": 2000 },
  "model": { "path": "$FRONT" }, "gpio": { "chip": "simulated", "outputs": [ { "name": "light", "line": 1 } ] },
  "rules": [ { "name": "face", "when": { "label": "face" }, "actions": [ { "output": "light" } ] } ],
  "run": { "warmupFrames": 100 } }
JSON
"$BIN" run --config "$TMP/synthetic.json" >"$TMP/synthetic.out" 2>/dev/null
check "the AOT pipeline allocates 0 managed bytes a frame after warm-up" python3 - "$TMP/synthetic.out" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' in l][-1]["summary"]
assert s["framesProcessed"] == 2000 and s["allocatedBytesPerFrame"] == 0, s
PY

# The systemd notify protocol: a listener on an AF_UNIX datagram socket, as systemd runs one.
python3 - "$TMP/notify.sock" "$TMP/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(30)
with open(sys.argv[2], "w") as log:
    while True:
        msg = s.recv(4096).decode()
        log.write(msg + "\n"); log.flush()
        if "STOPPING=1" in msg: break
PY
listener=$!
sleep 0.5
sed 's/"frames": 2000/"frames": 300/' "$TMP/synthetic.json" > "$TMP/notify.json"
NOTIFY_SOCKET="$TMP/notify.sock" WATCHDOG_USEC=100000 "$BIN" run --config "$TMP/notify.json" >/dev/null 2>&1
wait "$listener"
check "systemd notify: READY=1, WATCHDOG=1 pings and STOPPING=1 reach \$NOTIFY_SOCKET" \
  sh -c "grep -q '^READY=1' '$TMP/notify.log' && grep -q '^WATCHDOG=1' '$TMP/notify.log' && grep -q '^STOPPING=1' '$TMP/notify.log'"

"$BIN" detect --model "$FRONT" "$CACHE/data/matplotlib/grace_hopper.jpg" "$CACHE/data/opencv/fruits.jpg" >"$TMP/detect.out" 2>"$TMP/detect.err"
check "detect finds Grace Hopper's face and none in fruits.jpg" python3 - "$TMP/detect.out" <<'PY'
import json, sys
grace, fruits = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
best = max(grace["detections"], key=lambda d: d["score"])
assert best["score"] > 0.75, best
assert not [d for d in fruits["detections"] if d["score"] > 0.5], fruits
PY

expect_error "missing model" 4 "$BIN" detect --model "$TMP/none.onnx" "$CACHE/data/matplotlib/grace_hopper.jpg"
echo "not a model" > "$TMP/bad.onnx"
expect_error "model that is not ONNX" 4 "$BIN" detect --model "$TMP/bad.onnx" "$CACHE/data/matplotlib/grace_hopper.jpg"
head -c 20000 "$CACHE/data/matplotlib/grace_hopper.jpg" > "$TMP/truncated.jpg"
expect_error "truncated JPEG" 5 "$BIN" detect --model "$FRONT" "$TMP/truncated.jpg"
echo '{ "source": { "kind": "directory", "path": "/tmp", "colour": 1 } }' > "$TMP/unknown-key.json"
expect_error "config with an unknown key" 3 "$BIN" run --config "$TMP/unknown-key.json"
echo '{ "source": { "kind": "directory", "path": "/tmp", "fps": "fast" } }' > "$TMP/wrong-type.json"
expect_error "config with a wrong type" 3 "$BIN" run --config "$TMP/wrong-type.json"

sed 's/"width": 128/"width": 256/' "${FRONT%.onnx}.card.json" > "$TMP/contradicting.card.json"
expect_error "card whose input shape contradicts the model" 4 "$BIN" detect --model "$FRONT" --card "$TMP/contradicting.card.json" "$CACHE/data/matplotlib/grace_hopper.jpg"
expect_error "model info with a contradicting card" 4 "$BIN" model info "$FRONT" --card "$TMP/contradicting.card.json"
head -c $((128 * 128 * 3 * 4)) /dev/zero > "$TMP/zeros.bin"
expect_error "unknown output name" 2 "$BIN" infer --model "$FRONT" --input "input:0=$TMP/zeros.bin" --output nope --output-dir "$TMP/tensors"
check "infer writes every output and outputs.json" sh -c "\"$BIN\" infer --model \"$FRONT\" --input \"input:0=$TMP/zeros.bin\" --output-dir \"$TMP/tensors\" && test \$(ls \"$TMP/tensors\"/*.bin | wc -l) -eq 4 && test -s \"$TMP/tensors/outputs.json\""
check "model info describes the model and its card" sh -c "\"$BIN\" model info \"$FRONT\" | grep -q 'checked against the model'"

# Device commands on a machine without the devices (scripts/hil.sh runs them against real ones).
printf '{ "source": { "kind": "camera", "device": "/dev/video-absent" }, "model": { "path": "%s" } }\n' "$FRONT" > "$TMP/camera.json"
"$BIN" run --config "$TMP/camera.json" >/dev/null 2>"$TMP/camera.err"; rc=$?
check "a configured camera that is not there: exit 6 naming it" sh -c "test $rc -eq 6 && tail -n 1 \"$TMP/camera.err\" | grep -q '^edgecam: /dev/video-absent: cannot open'"
expect_error "a wiring file that is not there" 3 "$BIN" selftest --hil --wiring "$TMP/absent-wiring.json"
check "camera list runs without cameras" sh -c "\"$BIN\" camera list >/dev/null"
check "gpio list runs without chips" sh -c "\"$BIN\" gpio list >/dev/null"

echo "aot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
