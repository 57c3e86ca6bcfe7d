#!/usr/bin/env bash
# README command 2: set up and run the whole test suite: unit and integration tests against the
# real ONNX Runtime library, real models and real photos; the preprocessing tests again with
# hardware intrinsics off; then the NativeAOT binary itself on the demo, `detect` and its HTTP API;
# then the binary cross-compiled for arm64 and run under QEMU's user-mode emulator (scripts/arm64.sh);
# then the same binaries (x86-64 and arm64) against real kernel drivers in QEMU guests (scripts/hil.sh); then the
# systemd unit (verify, exposure score, system-call filter); then power loss during updates; then
# scripts/deploy.sh against a real sshd on 127.0.0.1, rollback included.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$REPO/scripts/setup.sh"
bash "$REPO/scripts/setup-node-reference.sh"
bash "$REPO/scripts/setup-native-reference.sh"
# The MQTT tests start their own mosquitto on 127.0.0.1 (never the system service) and check
# with mosquitto_sub/mosquitto_pub; TLS tests make their certificates with openssl.
apt_install mosquitto mosquitto-clients openssl

# The reference runtimes the tests compare against (onnxruntime-node) are official ORT builds too:
# keep their telemetry off as edgecam does for itself (src/EdgeCam.Inference/Onnx/OrtTelemetry.cs).
export ORT_DISABLE_TELEMETRY=1

mkdir -p "$ARTIFACTS"
passed=0; failed=0
# count_results FILE: adds a `dotnet test` run's totals ("Passed!  - Failed: 0, Passed: 12, ...") to ours.
count_results() {
  local line; line=$(grep -E '^(Passed|Failed)! ' "$1" | tail -n 1 || true)
  [ -n "$line" ] || { failed=$((failed + 1)); return; }
  passed=$((passed + $(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.*Failed: *([0-9]+),.*/\1/' <<<"$line")))
}

# count_stage PREFIX FILE: adds a script stage's last "PREFIX: N passed, M failed" line to ours;
# a stage that printed no such line counts as one failure.
count_stage() {
  local line; line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed" "$2" | tail -n 1 || true)
  [ -n "$line" ] || { failed=$((failed + 1)); return; }
  passed=$((passed + $(sed -E "s/^$1: ([0-9]+) passed.*/\\1/" <<<"$line")))
  failed=$((failed + $(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$line")))
}

log "unit and integration tests (real ONNX Runtime, real models, real photos)"
dotnet test "$REPO/tests/EdgeCam.Tests/EdgeCam.Tests.csproj" -c Release -nologo 2>&1 | tee "$ARTIFACTS/test-results.txt" \
  | grep -E '^\s*Failed |^(Passed|Failed)! |error' || true
count_results "$ARTIFACTS/test-results.txt"

log "preprocessing tests again with hardware intrinsics disabled (the portable fallback)"
DOTNET_EnableHWIntrinsic=0 dotnet test "$REPO/tests/EdgeCam.Tests/EdgeCam.Tests.csproj" -c Release -nologo --no-build \
  --filter "FullyQualifiedName~EdgeCam.Tests.Preprocessing" 2>&1 | tee "$ARTIFACTS/test-results-nohw.txt" \
  | grep -E '^\s*Failed |^(Passed|Failed)! ' || true
count_results "$ARTIFACTS/test-results-nohw.txt"

log "the NativeAOT binary itself"
bash "$REPO/scripts/publish.sh"
bash "$REPO/tests/aot/aot-smoke.sh" "$ARTIFACTS/edgecam/$(dotnet_rid)/edgecam" | tee "$ARTIFACTS/aot-results.txt" || true
count_stage aot "$ARTIFACTS/aot-results.txt"

log "arm64: the NativeAOT binary cross-compiled and run under emulation (NEON preprocessing, arm64 ONNX Runtime)"
bash "$REPO/scripts/arm64.sh" "$ARTIFACTS/edgecam/$(dotnet_rid)/edgecam" 2>&1 | tee "$ARTIFACTS/arm64-results.txt" | grep -E '^arm64: ' || true
count_stage arm64 "$ARTIFACTS/arm64-results.txt"

log "hardware in the loop: the AOT binary in a QEMU guest against vivid, gpio-sim and i2c-stub"
bash "$REPO/scripts/hil.sh" --no-publish 2>&1 | tee "$ARTIFACTS/hil-results.txt" | grep -E '^hil: ' || true
count_stage hil "$ARTIFACTS/hil-results.txt"

log "hardware in the loop on arm64: the cross-compiled binary in an emulated Cortex-A72 guest with Debian's arm64 kernel"
bash "$REPO/scripts/hil.sh" --no-publish --arch arm64 2>&1 | tee "$ARTIFACTS/hil-arm64-results.txt" | grep -E '^hil-arm64: ' || true
count_stage hil-arm64 "$ARTIFACTS/hil-arm64-results.txt"

log "the systemd unit: verify, exposure score, the binary's system calls against its filter"
bash "$REPO/tests/service/unit-check.sh" "$ARTIFACTS/edgecam/$(dotnet_rid)/edgecam" | tee "$ARTIFACTS/service-results.txt" || true
count_stage service "$ARTIFACTS/service-results.txt"

log "model updates with real processes: power loss (SIGKILL at random points), crash loop, live swap, system calls"
bash "$REPO/tests/updates/power-loss.sh" "$ARTIFACTS/edgecam/$(dotnet_rid)/edgecam" 200 | tee "$ARTIFACTS/power-loss-results.txt" || true
count_stage power-loss "$ARTIFACTS/power-loss-results.txt"

log "deployment over SSH (a real sshd on 127.0.0.1; a release that never becomes ready is rolled back)"
bash "$REPO/tests/deploy/deploy-test.sh" "$ARTIFACTS/edgecam/$(dotnet_rid)/edgecam" | tee "$ARTIFACTS/deploy-results.txt" || true
count_stage deploy "$ARTIFACTS/deploy-results.txt"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
