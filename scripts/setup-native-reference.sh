#!/usr/bin/env bash
# Builds the native reference helper (OpenCV 4.6 + libyuv from Debian, tests/native/reference_ops.cpp)
# into the cache, for the preprocessing cross-checks and the preprocessing benchmark.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# OpenCV's core and imgproc parts of Debian's libopencv-dev (4.6), without the other 200 packages it pulls.
apt_install g++ libopencv-core-dev libopencv-imgproc-dev libyuv-dev
OUT="$EDGECAM_CACHE/native"
SRC="$REPO/tests/native/reference_ops.cpp"
LIB="$OUT/libedgecam_reference.so"
mkdir -p "$OUT"
if [ -e "$LIB" ] && [ "$LIB" -nt "$SRC" ]; then exit 0; fi
log "building $LIB"
g++ -O3 -march=native -fPIC -shared -o "$LIB.tmp" "$SRC" -I/usr/include/opencv4 -lopencv_imgproc -lopencv_core -lyuv
mv "$LIB.tmp" "$LIB"
