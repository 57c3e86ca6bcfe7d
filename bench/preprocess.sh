#!/usr/bin/env bash
# Preprocessing benchmark (issue #3): EdgeCam's fused pass vs libyuv and OpenCV compositions and
# a memcpy floor, in one process on the same frames. Prints a Markdown table for docs/BENCHMARKS.md.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
bash "$REPO/scripts/setup-native-reference.sh"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "Machine: $cpu, $(nproc) cores, $(uname -sr); .NET $(dotnet --version); date $(date +%F)"
echo
dotnet run -c Release --project "$REPO/bench/EdgeCam.Bench/EdgeCam.Bench.csproj" -- "${1:-60}"
