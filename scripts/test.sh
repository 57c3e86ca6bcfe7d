#!/usr/bin/env bash
# README command 2: set up and run the whole test suite: unit and integration tests against the
# real ONNX Runtime library, real models and real photos; the preprocessing tests again with
# hardware intrinsics off; then the NativeAOT binary itself on the demo and on `detect`; then the
# same binary against real kernel drivers in a QEMU guest (scripts/hil.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$REPO/scripts/setup.sh"
bash "$REPO/scripts/setup-node-reference.sh"
bash "$REPO/scripts/setup-native-reference.sh"

mkdir -p "$ARTIFACTS"
passed=0; failed=0
# count_results FILE: adds a `dotnet test` run's totals ("Passed!  - Failed: 0, Passed: 12, ...") to ours.
count_results() {
  local line; line=$(grep -E '^(Passed|Failed)! ' "$1" | tail -n 1 || true)
  [ -n "$line" ] || { failed=$((failed + 1)); return; }
  passed=$((passed + $(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.*Failed: *([0-9]+),.*/\1/' <<<"$line")))
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
aot=$(grep -E '^aot: [0-9]+ passed' "$ARTIFACTS/aot-results.txt" | tail -n 1)
if [ -n "$aot" ]; then
  passed=$((passed + $(sed -E 's/aot: ([0-9]+) passed.*/\1/' <<<"$aot")))
  failed=$((failed + $(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$aot")))
else
  failed=$((failed + 1))
fi

log "hardware in the loop: the AOT binary in a QEMU guest against vivid, gpio-sim and i2c-stub"
bash "$REPO/scripts/hil.sh" --no-publish 2>&1 | tee "$ARTIFACTS/hil-results.txt" | grep -E '^hil: ' || true
hil=$(grep -E '^hil: [0-9]+ passed' "$ARTIFACTS/hil-results.txt" | tail -n 1)
if [ -n "$hil" ]; then
  passed=$((passed + $(sed -E 's/hil: ([0-9]+) passed.*/\1/' <<<"$hil")))
  failed=$((failed + $(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$hil")))
else
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
