#!/usr/bin/env bash
# README command 2: set up and run the whole test suite: unit and integration tests against the
# real ONNX Runtime library, real models and real photos; the preprocessing tests again with
# hardware intrinsics off; then the NativeAOT binary itself on the demo and on `detect`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$REPO/scripts/setup.sh"
bash "$REPO/scripts/setup-node-reference.sh"

log "unit and integration tests"
dotnet test "$REPO/tests/EdgeCam.Tests/EdgeCam.Tests.csproj" -c Release -nologo \
  --logger "console;verbosity=normal" 2>&1 | tee "$ARTIFACTS/test-results.txt" | grep -E '^\s*(Failed|Passed!|Failed!|Total tests|error)' || true
grep -qE '^Passed!' "$ARTIFACTS/test-results.txt" || { tail -n 80 "$ARTIFACTS/test-results.txt"; die "tests failed"; }

log "preprocessing tests with hardware intrinsics disabled (the portable fallback)"
DOTNET_EnableHWIntrinsic=0 dotnet test "$REPO/tests/EdgeCam.Tests/EdgeCam.Tests.csproj" -c Release -nologo --no-build \
  --filter "FullyQualifiedName~EdgeCam.Tests.Preprocessing" 2>&1 | tail -n 3

bash "$REPO/scripts/publish.sh"
bash "$REPO/tests/aot/aot-smoke.sh" "$ARTIFACTS/edgecam/$(dotnet_rid)/edgecam"
log "all tests passed"
