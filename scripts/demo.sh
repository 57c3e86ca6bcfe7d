#!/usr/bin/env bash
# README command 1: set up, publish the NativeAOT binary and run EdgeCam's main job on its
# built-in default: real photos replayed as a camera, the real BlazeFace face detector, a rule
# that switches a "door light" while a face is seen, on a simulated GPIO chip when no
# /dev/gpiochip exists. Extra arguments go to `edgecam run` (e.g. --loop to run until Ctrl-C).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$REPO/scripts/setup.sh"
bash "$REPO/scripts/publish.sh"
exec "$ARTIFACTS/edgecam/$(dotnet_rid)/edgecam" run "$@"
