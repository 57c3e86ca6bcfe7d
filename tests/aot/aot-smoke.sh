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
# ONNX Runtime's own telemetry (official builds >= 1.29) keeps a device id and events under
# ~/.cache/Microsoft and uploads them; EdgeCam opts out before the library loads.
mkdir -p "$TMP/home"
HOME="$TMP/home" EDGECAM_CACHE="$CACHE" "$BIN" detect --model "$FRONT" "$CACHE/data/matplotlib/grace_hopper.jpg" >/dev/null 2>&1
check "ONNX Runtime's telemetry is off: nothing written under HOME/.cache/Microsoft" test ! -e "$TMP/home/.cache/Microsoft"
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
  "run": { "warmupFrames": 100 }, "http": { "listen": "127.0.0.1:0" } }
JSON
"$BIN" run --config "$TMP/synthetic.json" >"$TMP/synthetic.out" 2>/dev/null
check "the AOT pipeline allocates 0 managed bytes a frame after warm-up (HTTP API on)" python3 - "$TMP/synthetic.out" <<'PY'
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

sed -e 's/"fps": 0, "frames": 2000/"fps": 30, "frames": 90/' -e 's/"warmupFrames": 100/"warmupFrames": 3/' \
  -e 's/"run": {/"adapt": { "maxFps": 10 }, "run": {/' "$TMP/synthetic.json" > "$TMP/maxfps.json"
"$BIN" run --config "$TMP/maxfps.json" >"$TMP/maxfps.out" 2>"$TMP/maxfps.err"
check "adapt.maxFps 10 on a 30 fps camera: every third frame processed, the rest skipped and reported" python3 - "$TMP/maxfps.out" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' in l][-1]["summary"]
assert 28 <= s["framesProcessed"] <= 32 and s["framesSkippedForRate"] + s["framesProcessed"] + s["framesDropped"] == 90, s
assert 9 <= s["fps"] <= 11 and s["targetFps"] == 10, s
PY

# The local HTTP API and SIGHUP config reload, on the published binary over real TCP.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TOKEN=aot-smoke-token-0123456789
api_config() { # api_config MINSCORE
  cat > "$TMP/api.json" <<JSON
{ "source": { "kind": "directory", "path": "$CACHE/data/demo", "fps": 20, "framesPerImage": 2, "loop": true },
  "model": { "path": "$FRONT", "threads": 1 },
  "gpio": { "chip": "simulated", "outputs": [ { "name": "door_light", "line": 17 }, { "name": "buzzer", "line": 18 } ] },
  "rules": [ { "name": "face_seen", "when": { "label": "face", "minScore": $1 }, "actions": [ { "output": "door_light" } ] } ],
  "http": { "listen": "127.0.0.1:$PORT", "token": "$TOKEN" },
  "snapshots": { "directory": "$TMP/events", "maxMegabytes": 1 } }
JSON
}
api_config 0.6
"$BIN" run --config "$TMP/api.json" >"$TMP/api.out" 2>"$TMP/api.err" &
api=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "http: /healthz and /readyz answer 200" sh -c "curl -sf '$URL/healthz' | grep -qx ok && curl -sf '$URL/readyz' | grep -qx ready"
# Past warm-up (whose end resets the stage histograms) before scraping.
for _ in $(seq 50); do curl -s "$URL/status" | grep -qE '"framesProcessed":([1-9][0-9])' && break; sleep 0.1; done
curl -s "$URL/metrics" > "$TMP/metrics.txt"
check "http: /metrics is the Prometheus text format with frames and stage histograms" python3 - "$TMP/metrics.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n")
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(rf"^{name}(\{{{label}(,{label})*\}})? (\+Inf|-Inf|NaN|[-+0-9.eE]+)$")
comment = re.compile(rf"^# (HELP {name} .*|TYPE {name} (counter|gauge|histogram|summary|untyped))$")
for n, line in enumerate(text.split("\n")[:-1], 1):
    assert line == "" or comment.match(line) or sample.match(line), f"line {n}: {line!r}"
values = {l.rsplit(" ", 1)[0]: float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l and not l.startswith("#")}
assert values["edgecam_frames_processed_total"] > 0, values
assert values['edgecam_stage_duration_seconds_count{stage="inference"}'] > 0
assert values['edgecam_stage_duration_seconds_bucket{stage="inference",le="+Inf"}'] == values['edgecam_stage_duration_seconds_count{stage="inference"}']
PY
check "http: /status is JSON and ready" sh -c "curl -sf '$URL/status' | python3 -c 'import json,sys; d = json.load(sys.stdin); assert d[\"ready\"] and d[\"framesProcessed\"] > 0, d'"
check "http: /snapshot.jpg is a JPEG" sh -c "curl -sf -o '$TMP/snap.jpg' -w '%{content_type}' '$URL/snapshot.jpg' | grep -qx image/jpeg && head -c 3 '$TMP/snap.jpg' | od -An -tx1 | grep -q 'ff d8 ff'"
check "http: POST without the token is 401, with a wrong one 403" sh -c "test \$(curl -s -o /dev/null -w '%{http_code}' -X POST '$URL/outputs/buzzer/pulse') = 401 && test \$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer nope' '$URL/outputs/buzzer/pulse') = 403"
check "http: POST /outputs/buzzer/pulse with the token switches the buzzer" sh -c "test \$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer $TOKEN' '$URL/outputs/buzzer/pulse?ms=300') = 202 && sleep 1 && grep -q 'edgecam:buzzer) -> on' '$TMP/api.err' && grep -q 'edgecam:buzzer) -> off' '$TMP/api.err'"
check "event snapshots: a face_seen JPEG is written" sh -c "sleep 1; ls '$TMP/events' | grep -q -- '-face_seen-.*\.jpg$'"
api_config 0.7
kill -HUP "$api"
for _ in $(seq 50); do grep -q "config reloaded" "$TMP/api.err" && break; sleep 0.1; done
check "SIGHUP reloads a changed config without reloading the model" sh -c "grep -q 'config reloaded from .*(model session kept)' '$TMP/api.err' && test \$(grep -c 'postprocessing, ONNX Runtime' '$TMP/api.err') -eq 1"
echo '{ "rules": [ ' > "$TMP/api.json"
kill -HUP "$api"
for _ in $(seq 50); do grep -q "config reload rejected" "$TMP/api.err" && break; sleep 0.1; done
check "SIGHUP with a broken config: rejected in one log line, the run goes on" sh -c "grep -q 'config reload rejected, the running config stays: config $TMP/api.json: ' '$TMP/api.err' && kill -0 $api && curl -sf '$URL/healthz' >/dev/null"
kill -TERM "$api"; wait "$api"; rc=$?
check "the API run stops on SIGTERM with exit 0" test "$rc" -eq 0

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

# MQTT: the AOT binary against Debian's mosquitto (started here, not the system service) over TLS
# with a private CA, and its last will when it is killed without a goodbye.
if [ -x /usr/sbin/mosquitto ] && command -v mosquitto_sub >/dev/null; then
  MQ="$TMP/mqtt"; mkdir -p "$MQ"
  read -r PLAIN TLSPORT < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$MQ/ca.key" -out "$MQ/ca.pem" -days 2 -subj "/CN=EdgeCam AOT CA" 2>/dev/null
  openssl req "${ec[@]}" -keyout "$MQ/server.key" -out "$MQ/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
  echo "subjectAltName=IP:127.0.0.1" > "$MQ/san.cnf"
  openssl x509 -req -in "$MQ/server.csr" -CA "$MQ/ca.pem" -CAkey "$MQ/ca.key" -CAcreateserial -out "$MQ/server.pem" -days 2 -extfile "$MQ/san.cnf" 2>/dev/null
  cat > "$MQ/mosquitto.conf" <<CONF
user root
allow_anonymous true
persistence false
log_dest file $MQ/mosquitto.log
listener $PLAIN 127.0.0.1
listener $TLSPORT 127.0.0.1
certfile $MQ/server.pem
keyfile $MQ/server.key
CONF
  /usr/sbin/mosquitto -c "$MQ/mosquitto.conf" 2>/dev/null &
  broker=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PLAIN") 2>/dev/null && break; sleep 0.1; done
  mqtt_config() { # mqtt_config FILE SOURCE MQTT
    cat > "$1" <<JSON
{ "source": $2, "model": { "path": "$FRONT" },
  "gpio": { "chip": "simulated", "outputs": [ { "name": "door_light", "line": 17 } ] },
  "rules": [ { "name": "face_seen", "when": { "label": "face", "minScore": 0.6 }, "debounce": { "hits": 2, "of": 3 }, "holdMs": 1000,
               "actions": [ { "output": "door_light" } ] } ],
  "mqtt": $3 }
JSON
  }
  mqtt_config "$TMP/mqtt-tls.json" '{ "kind": "directory", "path": "'"$CACHE"'/data/demo", "fps": 10, "framesPerImage": 5 }' \
    '{ "broker": "mqtts://127.0.0.1:'"$TLSPORT"'", "tls": { "caFile": "'"$MQ/ca.pem"'" }, "clientId": "aot", "topicPrefix": "aot" }'
  timeout 30 mosquitto_sub -p "$PLAIN" -t 'aot/events' -v > "$MQ/events.txt" 2>/dev/null &
  sub=$!
  sleep 0.5
  "$BIN" run --config "$TMP/mqtt-tls.json" >"$TMP/mqtt.out" 2>"$TMP/mqtt.err"; rc=$?
  sleep 0.5; kill "$sub" 2>/dev/null; wait "$sub" 2>/dev/null
  check "MQTT over TLS: the run's rule events reach mosquitto as JSON" python3 - "$MQ/events.txt" "$TMP/mqtt.out" "$rc" <<'PY'
import json, sys
assert sys.argv[3] == "0", "exit " + sys.argv[3]
mqtt = [json.loads(l.split(" ", 1)[1]) for l in open(sys.argv[1]) if l.strip()]
stdout = [json.loads(l) for l in open(sys.argv[2]) if l.strip() and '"event"' in l]
key = lambda e: (e["event"], e.get("rule") or e.get("output"), e.get("state", e.get("value")), e["frame"])
assert any(e["event"] == "rule" and e["state"] == "on" for e in mqtt), mqtt
assert [key(e) for e in stdout] == [key(e) for e in mqtt if e.get("source", "rule") == "rule"], (stdout, mqtt)
PY
  timeout 5 mosquitto_sub -p "$PLAIN" -t 'homeassistant/#' -v -W 2 > "$MQ/discovery.txt" 2>/dev/null
  check "MQTT: Home Assistant discovery documents are retained" python3 - "$MQ/discovery.txt" <<'PY'
import json, sys
docs = {l.split(" ", 1)[0]: json.loads(l.split(" ", 1)[1]) for l in open(sys.argv[1]) if l.strip()}
assert docs["homeassistant/binary_sensor/aot/rule_face_seen/config"]["state_topic"] == "aot/rules/face_seen/state", docs
assert "homeassistant/sensor/aot/sensor_fps/config" in docs and "homeassistant/binary_sensor/aot/output_door_light/config" in docs, docs
PY

  mqtt_config "$TMP/mqtt-kill.json" '{ "kind": "synthetic", "width": 320, "height": 240, "fps": 10, "frames": 0 }' \
    '{ "broker": "mqtt://127.0.0.1:'"$PLAIN"'", "clientId": "aot-kill", "topicPrefix": "aotkill" }'
  "$BIN" run --config "$TMP/mqtt-kill.json" >/dev/null 2>&1 &
  victim=$!
  online=$(timeout 10 mosquitto_sub -p "$PLAIN" -t aotkill/availability -C 1 2>/dev/null)
  kill -KILL "$victim"; wait "$victim" 2>/dev/null
  sleep 0.5
  after=$(timeout 5 mosquitto_sub -p "$PLAIN" -t aotkill/availability -C 1 2>/dev/null)
  check "MQTT: availability is online while running and the last will says offline after kill -9" \
    test "$online/$after" = "online/offline"
  kill "$broker"; wait "$broker" 2>/dev/null
else
  failed=$((failed + 1)); echo "  FAIL MQTT checks: mosquitto and mosquitto-clients are not installed (scripts/test.sh installs them)"
fi

# Device commands on a machine without the devices (scripts/hil.sh runs them against real ones).
printf '{ "source": { "kind": "camera", "device": "/dev/video-absent" }, "model": { "path": "%s" } }\n' "$FRONT" > "$TMP/camera.json"
"$BIN" run --config "$TMP/camera.json" >/dev/null 2>"$TMP/camera.err"; rc=$?
check "a configured camera that is not there: exit 6 naming it" sh -c "test $rc -eq 6 && tail -n 1 \"$TMP/camera.err\" | grep -q '^edgecam: /dev/video-absent: cannot open'"
expect_error "a wiring file that is not there" 3 "$BIN" selftest --hil --wiring "$TMP/absent-wiring.json"
check "camera list runs without cameras" sh -c "\"$BIN\" camera list >/dev/null"
check "gpio list runs without chips" sh -c "\"$BIN\" gpio list >/dev/null"

echo "aot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
