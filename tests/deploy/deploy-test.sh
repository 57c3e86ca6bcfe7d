#!/usr/bin/env bash
# scripts/deploy.sh against a real SSH server: Debian's openssh-server started by this test on
# 127.0.0.1 (a free port, its own host key and config, a throwaway client key as the only
# authorized key; not the system service), deploying the published NativeAOT binary into a
# temporary install prefix. The service manager is tests/deploy/service-stub.sh (PID 1 is not
# systemd here); readiness is the real /readyz of the deployed edgecam.
# Checks: a good deploy becomes ready with `current` on the new release; a broken release (a
# corrupt model: edgecam exits) is rolled back to the previous release, which runs and is ready
# again, and deploy.sh exits 3 naming the reason; configs and binaries that cannot work are
# refused before anything on the device changes; a bundle deploys; old releases are pruned.
# Usage: tests/deploy/deploy-test.sh PATH/TO/artifacts/edgecam/RID/edgecam
# Prints "deploy: PASS|FAIL ..." per check and "deploy: N passed, M failed".
set -uo pipefail
BIN=$(realpath "${1:?usage: deploy-test.sh PATH/TO/edgecam}")
ART=$(dirname "$BIN")
REPO=$(cd "$(dirname "$0")/../.." && pwd)
source "$REPO/scripts/lib.sh"
apt_install openssh-server openssh-client curl systemd
CACHE=$EDGECAM_CACHE
MODEL="$CACHE/models/blazeface/face_detection_front_128x128.onnx"

work=$(mktemp -d /tmp/edgecam-deploy-test.XXXXXX)
prefix="$work/device/opt/edgecam"
passed=0; failed=0
pass() { passed=$((passed + 1)); echo "deploy: PASS $*"; }
# A failed check shows the output of the deploy.sh run it was about.
last_log=""
fail() { failed=$((failed + 1)); echo "deploy: FAIL $*"; [ -z "$last_log" ] || sed 's/^/    /' "$last_log"; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
cleanup() {
  for p in "$prefix" "${prefix2:-}"; do [ -z "$p" ] || EDGECAM_PREFIX=$p sh "$REPO/tests/deploy/service-stub.sh" stop 2>/dev/null; done
  [ -f "$work/ssh/sshd.pid" ] && kill "$(cat "$work/ssh/sshd.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- the SSH server: own host key, own config, only the throwaway key authorized
mkdir -p "$work/ssh" /run/sshd
ssh-keygen -q -t ed25519 -N '' -C edgecam-deploy-test-host -f "$work/ssh/host_key"
ssh-keygen -q -t ed25519 -N '' -C edgecam-deploy-test-client -f "$work/ssh/client_key"
cp "$work/ssh/client_key.pub" "$work/ssh/authorized_keys"
chmod 600 "$work/ssh/authorized_keys"
ssh_port=$(free_port)
cat > "$work/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1:$ssh_port
HostKey $work/ssh/host_key
PidFile $work/ssh/sshd.pid
AuthorizedKeysFile $work/ssh/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
# The key file lives under /tmp, which StrictModes would refuse as world-writable.
StrictModes no
UsePAM no
PrintMotd no
EOF
/usr/sbin/sshd -t -f "$work/ssh/sshd_config" || { fail "sshd rejects the test's config"; echo "deploy: $passed passed, $failed failed"; exit 1; }
/usr/sbin/sshd -D -e -f "$work/ssh/sshd_config" 2>"$work/ssh/sshd.log" &
echo "[127.0.0.1]:$ssh_port $(cut -d' ' -f1,2 "$work/ssh/host_key.pub")" > "$work/ssh/known_hosts"
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$ssh_port") 2>/dev/null && break; sleep 0.1; done

http_port=$(free_port)
# make_config FILE MODEL_PATH: a device config (with a comment and a trailing comma, as configs may have).
make_config() {
  cat > "$1" <<EOF
{
  // deployed by tests/deploy/deploy-test.sh
  "source": { "kind": "synthetic", "width": 320, "height": 240, "fps": 5, "frames": 0 },
  "model": { "path": "$2", "threads": 1 },
  "gpio": { "chip": "simulated", "outputs": [ { "name": "door_light", "line": 17 } ] },
  "rules": [ { "name": "face_seen", "when": { "label": "face", "minScore": 0.6 }, "actions": [ { "output": "door_light" } ] } ],
  "http": { "listen": "127.0.0.1:$http_port" },
}
EOF
}
mkdir -p "$work/good" "$work/broken"
make_config "$work/good/config.json" model/face_detection_front_128x128.onnx

# deploy OUTPUT-NAME ARGS...: runs deploy.sh against the test's sshd; output in $work/OUTPUT-NAME.log, exit code in $rc.
deploy() {
  local out=$1; shift
  bash "$REPO/scripts/deploy.sh" 127.0.0.1 --port "$ssh_port" --identity "$work/ssh/client_key" --known-hosts "$work/ssh/known_hosts" \
    --prefix "$prefix" --artifacts "$ART" --restart-command "sh $REPO/tests/deploy/service-stub.sh restart" \
    --logs-command "sh $REPO/tests/deploy/service-stub.sh logs" "$@" >"$work/$out.out" 2>"$work/$out.log"
  rc=$?
  last_log="$work/$out.log"
}
current() { readlink "$prefix/current"; }
readyz() { curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$http_port/readyz"; }
service_pid() { cat "$prefix/edgecam.pid" 2>/dev/null; }
service_binary() { readlink "/proc/$(service_pid)/exe" 2>/dev/null; }
releases() { ls "$prefix/releases" | grep -v '^\.' | paste -sd ' '; }

# --- an unreachable device: nothing changes, the error names the step and the host
closed_port=$(free_port)
bash "$REPO/scripts/deploy.sh" 127.0.0.1 --port "$closed_port" --identity "$work/ssh/client_key" --config "$work/good/config.json" \
  --model "$MODEL" --prefix "$prefix" --artifacts "$ART" >/dev/null 2>"$work/closed.log"
rc=$? last_log="$work/closed.log"
check "an unreachable host fails with exit 1 and an error naming the step and host ($(tail -n 1 "$work/closed.log"))" \
  sh -c "[ $rc -eq 1 ] && tail -n 1 '$work/closed.log' | grep -q 'error: \[connect\] 127.0.0.1: .*Connection refused'"

# --- (1) a good deploy becomes ready, `current` on the new release
deploy first --config "$work/good/config.json" --model "$MODEL" --label first --ready-timeout 30
r1=$(cat "$work/first.out")
if [ $rc -eq 0 ] && [ -n "$r1" ] && [ "$(current)" = "releases/$r1" ] && [ "$(readyz)" = 200 ] \
  && [ "$(service_binary)" = "$prefix/releases/$r1/edgecam" ]; then
  pass "a good deploy ($r1) becomes ready: current -> releases/$r1, /readyz 200, the service runs its binary"
else
  fail "a good deploy: exit $rc, release '${r1:-}', current '$(current)', /readyz $(readyz), service binary '$(service_binary)'"
fi
same_files() {
  local d="$prefix/releases/$r1"
  cmp -s "$d/edgecam" "$ART/edgecam" && cmp -s "$d/libonnxruntime.so.1" "$ART/libonnxruntime.so.1" \
    && cmp -s "$d/model/face_detection_front_128x128.onnx" "$MODEL" \
    && cmp -s "$d/model/face_detection_front_128x128.card.json" "${MODEL%.onnx}.card.json" \
    && cmp -s "$d/config.json" "$work/good/config.json" && (cd "$d" && sha256sum -c --quiet SHA256SUMS)
}
check "the release holds the binary, libonnxruntime, model, card and config byte for byte (SHA256SUMS holds)" same_files
unit_ok() {
  local unit="$prefix/releases/$r1/edgecam.service"
  grep -qx "ExecStart=$prefix/current/edgecam run --config $prefix/current/config.json" "$unit" \
    && systemd-analyze verify "$unit" 2>"$work/verify.err" && ! grep -v '^$' "$work/verify.err"
}
check "the release's unit runs PREFIX/current/edgecam with the release's config; systemd-analyze verify accepts it" unit_ok
pid1=$(service_pid)

# --- refused before anything on the device changes
before="$(current) | $(releases) | $pid1"
make_config "$work/broken/wrong-path.json" model/no-such-model.onnx
deploy wrong-path --config "$work/broken/wrong-path.json" --model "$MODEL"
check "a config naming a model the release lacks is refused (exit 1, names the config and model.path); the device is unchanged" \
  sh -c "[ $rc -eq 1 ] && grep -q 'error: \[prepare\] 127.0.0.1: $work/broken/wrong-path.json: model.path \"model/no-such-model.onnx\"' '$work/wrong-path.log' \
    && [ '$before' = '$(current) | $(releases) | $(service_pid)' ]"
deploy wrong-arch --config "$work/good/config.json" --model "$MODEL" --arch aarch64
check "a binary for another architecture is refused (exit 1); the device is unchanged" \
  sh -c "[ $rc -eq 1 ] && grep -q 'error: \[binaries\] 127.0.0.1: .*is not built for linux-arm64' '$work/wrong-arch.log' \
    && [ '$before' = '$(current) | $(releases) | $(service_pid)' ]"

# --- (2) a broken release (a corrupt model: edgecam exits, never ready) is rolled back
head -c 20000 "$MODEL" > "$work/broken/face_detection_front_128x128.onnx"
deploy broken --config "$work/good/config.json" --model "$work/broken/face_detection_front_128x128.onnx" --label broken --ready-timeout 8
if [ $rc -eq 3 ] && [ "$(current)" = "releases/$r1" ] && [ "$(readyz)" = 200 ] && [ "$(service_binary)" = "$prefix/releases/$r1/edgecam" ] \
  && [ "$(service_pid)" != "$pid1" ] && [ "$(releases)" = "$r1" ]; then
  pass "a broken release is rolled back: exit 3, current -> releases/$r1 again, restarted ($pid1 -> $(service_pid)) and /readyz 200, the broken release deleted"
else
  fail "rollback: exit $rc, current '$(current)', /readyz $(readyz), service binary '$(service_binary)' pid $(service_pid) (was $pid1), releases '$(releases)'"
fi
sed 's/^/    /' "$work/broken.log"
check "the rollback error names the step, host, release and reason: $(grep 'error:' "$work/broken.log" | tail -n 1 | cut -c1-160)..." \
  grep -Eq "error: \[ready\] 127.0.0.1: release [0-9TZ]+-broken did not become ready: not ready within 8 s: nothing answered at http://127.0.0.1:$http_port; rolled back to $r1, which is ready" "$work/broken.log"
check "the service's own error (the corrupt model) is shown from the device's log of that start" \
  sh -c "grep -q '^    edgecam: model $prefix/current/model/face_detection_front_128x128.onnx: ORT InvalidProtobuf' '$work/broken.log' \
    && ! grep -q '^    {\"summary\"' '$work/broken.log'"

# --- a model bundle deploys; with --keep 2 the oldest release goes
TOOL="$REPO/src/EdgeCam.ModelTool/bin/Release/net9.0/edgecam-model.dll"
[ -f "$TOOL" ] || dotnet build "$REPO/src/EdgeCam.ModelTool" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
dotnet "$TOOL" bundle --model "$MODEL" --name blazeface-front --version 1.1.0 --image "$CACHE/data/darknet/person.jpg" \
  --out "$work/face-1.1.0.zip" --runtime "$ART/libonnxruntime.so.1" >/dev/null 2>"$work/bundle.err" || cat "$work/bundle.err"
make_config "$work/good/bundle.json" model/model.onnx
deploy bundle --config "$work/good/bundle.json" --bundle "$work/face-1.1.0.zip" --label bundle --keep 2 --ready-timeout 30
r3=$(cat "$work/bundle.out")
check "a model bundle deploys and becomes ready (current -> releases/$r3, model/model.onnx from the bundle)" \
  sh -c "[ $rc -eq 0 ] && [ '$(current)' = 'releases/$r3' ] && [ '$(readyz)' = 200 ] && [ '$(service_binary)' = '$prefix/releases/$r3/edgecam' ] \
    && cmp -s '$prefix/releases/$r3/model/model.onnx' '$MODEL' && [ -f '$prefix/releases/$r3/model/model.card.json' ]"
mkdir "$prefix/releases/.20261201T000000Z-cut.partial" # as an interrupted upload leaves it
deploy last --config "$work/good/config.json" --model "$MODEL" --label last --keep 2 --ready-timeout 30
r4=$(cat "$work/last.out")
check "with --keep 2 the oldest release and an interrupted upload are pruned: releases '$(releases)' = '$r3 $r4', current -> $r4" \
  sh -c "[ $rc -eq 0 ] && [ '$(releases)' = '$r3 $r4' ] && [ '$(current)' = 'releases/$r4' ] && [ '$(readyz)' = 200 ] \
    && [ ! -e '$prefix/releases/.20261201T000000Z-cut.partial' ]"


# --- a first deploy that never becomes ready leaves no `current` behind; a hand-made `current`
# directory is refused (a second device: its own prefix and API port)
prefix2="$work/device2/opt/edgecam"
main_port=$http_port http_port=$(free_port)
make_config "$work/good/device2.json" model/face_detection_front_128x128.onnx
http_port=$main_port
deploy first-broken --config "$work/good/device2.json" --model "$work/broken/face_detection_front_128x128.onnx" \
  --prefix "$prefix2" --label broken --ready-timeout 3
check "a first release that never becomes ready: exit 4, no previous release named, current and the release removed" \
  sh -c "[ $rc -eq 4 ] && grep -q 'there is no previous release to go back to' '$work/first-broken.log' \
    && [ ! -e '$prefix2/current' ] && [ -z \"\$(ls '$prefix2/releases')\" ]"
mkdir -p "$prefix2/current"
deploy by-hand --config "$work/good/device2.json" --model "$MODEL" --prefix "$prefix2"
check "a current directory installed by hand is refused before the upload (exit 1, says what to do)" \
  sh -c "[ $rc -eq 1 ] && grep -q 'error: \[connect\] 127.0.0.1: $prefix2/current is a directory, not a release symlink; move it' '$work/by-hand.log' \
    && [ -z \"\$(ls '$prefix2/releases')\" ]"

# --- readiness must come from the restarted process: a restart command that restarts nothing
# leaves the old edgecam answering /readyz 200, which must not count for the new release
pid4=$(service_pid)
deploy noop --config "$work/good/config.json" --model "$MODEL" --label noop --restart-command true --ready-timeout 3
check "a restart that restarts nothing is not taken for readiness (exit 4: neither release proven ready; current -> $r4 again, its process untouched)" \
  sh -c "[ $rc -eq 4 ] && grep -q 'answers 200, but from a process started before the restart' '$work/noop.log' \
    && [ '$(current)' = 'releases/$r4' ] && [ '$(service_pid)' = '$pid4' ] && [ '$(service_binary)' = '$prefix/releases/$r4/edgecam' ]"

echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
