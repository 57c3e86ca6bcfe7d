#!/usr/bin/env bash
# Preprocessing benchmark (issue #3): EdgeCam's fused pass vs libyuv and OpenCV compositions and
# a memcpy floor, in one process on the same frames. Prints a Markdown table for docs/BENCHMARKS.md.
# The harness is published as a NativeAOT binary with the device binary's code generation
# (IlcInstructionSet x86-x64-v2 on x64, as src/EdgeCam/EdgeCam.csproj), so EdgeCam's figures are
# those of the code edgecam runs; BENCH_JIT=1 runs it under the JIT instead (AVX encodings on x64).
# Usage: bench/preprocess.sh [ITERATIONS]
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
bash "$REPO/scripts/setup-native-reference.sh"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
if [ "${BENCH_JIT:-0}" = 1 ]; then
  echo "Machine: $cpu, $(nproc) cores, $(uname -sr); .NET $(dotnet --version) JIT; date $(date +%F)"
  echo
  dotnet run -c Release --project "$REPO/bench/EdgeCam.Bench/EdgeCam.Bench.csproj" -- "${1:-60}"
else
  out="$ARTIFACTS/bench-preprocess"
  dotnet publish "$REPO/bench/EdgeCam.Bench/EdgeCam.Bench.csproj" -c Release -r "$(dotnet_rid)" -o "$out" -nologo -v quiet \
    -clp:ErrorsOnly -p:PublishAot=true >&2
  echo "Machine: $cpu, $(nproc) cores, $(uname -sr); NativeAOT (.NET 9 ILCompiler, the device binary's instruction set); date $(date +%F)"
  echo
  "$out/EdgeCam.Bench" "${1:-60}"
fi
