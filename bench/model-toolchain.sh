#!/usr/bin/env bash
# The model toolchain on the real models (issue #7): each float model is quantised (and pruned,
# where the toolchain can) by edgecam-model and judged by `edgecam-model eval` against the float
# model on disjoint images: calibration on dlib's training.xml photos + Darknet's samples,
# evaluation on dlib's testing.xml photos (with ground truth) + the other faces/OpenCV/matplotlib
# photos; the OCR text-direction classifier is calibrated on the text lines of two pages
# (scikit-image's page.png and bw_text.png) and judged on those of another (OpenCV's
# imageTextN.png), each line upright and turned 180 degrees; the OCR text detector is calibrated
# on those two pages, scikit-image's text.png, OpenCV's sudoku.png and Darknet's samples, and
# judged on photos with text (OpenCV's imageTextN.png, text_defocus.jpg, text_motion.jpg,
# licenseplate_motion.jpg) and three without (fruits, messi5, grace_hopper). Writes a Markdown section to stdout (and bench/results/model-toolchain-*.md); paste it
# into docs/BENCHMARKS.md.  Usage: bench/model-toolchain.sh [RUNS]   (timing rounds, default 20)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
RUNS="${1:-20}"
PRUNE_RATIO="${PRUNE_RATIO:-0.5}"
PRUNE_OPTS="${PRUNE_OPTS:-}"   # added to every model's prune options below, e.g. "--crops 1"
M="$EDGECAM_CACHE/models"; F="$EDGECAM_CACHE/data"
export EDGECAM_ORT_LIBRARY="${EDGECAM_ORT_LIBRARY:-$EDGECAM_CACHE/ort/$(dotnet_rid)/libonnxruntime.so.1}"
OUT="$REPO/bench/results"; mkdir -p "$OUT"
WORK="$ARTIFACTS/model-toolchain"; rm -rf "$WORK"; mkdir -p "$WORK/calib" "$WORK/eval" "$WORK/text-calib" "$WORK/text-eval" "$WORK/det-calib" "$WORK/det-eval" "$WORK/models" "$WORK/json"

dotnet build "$REPO/src/EdgeCam.ModelTool" -c Release -v q -nologo >/dev/null
TOOL="$REPO/src/EdgeCam.ModelTool/bin/Release/net9.0/edgecam-model"

# Disjoint image sets (the script checks that no file is in both).
for f in 2007_007763 2008_002079 2008_001009 2008_001322; do ln -s "$F/faces/$f.jpg" "$WORK/calib/"; done
for f in "$F"/darknet/*.jpg; do ln -s "$f" "$WORK/calib/"; done
for f in 2008_002470 2008_002506 2008_004176 2008_007676 2009_004587 bald_guys dogs Tom_Cruise_avp_2014_4; do ln -s "$F/faces/$f.jpg" "$WORK/eval/"; done
for f in "$F"/opencv/*.jpg "$F"/matplotlib/*.jpg; do ln -s "$f" "$WORK/eval/"; done
ln -s "$F/text/page.png" "$F/text/bw_text.png" "$WORK/text-calib/"
ln -s "$F/text/imageTextN.png" "$WORK/text-eval/"
# A text detector judged on photos without text would compare two nearly empty maps.
ln -s "$F/text/page.png" "$F/text/bw_text.png" "$F/text-photos/text.png" "$F/text-photos/sudoku.png" "$F"/darknet/*.jpg "$WORK/det-calib/"
ln -s "$F/text/imageTextN.png" "$F"/text-photos/text_*.jpg "$F/text-photos/licenseplate_motion.jpg" "$F"/opencv/*.jpg "$F"/matplotlib/*.jpg "$WORK/det-eval/"
for pair in "calib eval" "text-calib text-eval" "det-calib det-eval"; do
  read -r c e <<<"$pair"
  common=$(comm -12 <(ls "$WORK/$c" | sort) <(ls "$WORK/$e" | sort))
  [ -z "$common" ] || die "calibration and evaluation share images: $common"
done

# name | float model | image sets (calibration, evaluation) | quantize options | eval options | prune options
# Prune options, each model's best measured (docs/BENCHMARKS.md): channel counts kept in blocks
# of 8 or 16, as ORT's integer kernels slow down on other counts; the classifier's time is
# per-operator cost, which only dropping a block removes (one block is what its agreement
# allows), and its channels in blocks of 16; the detector's time is in its pyramid's 96-channel
# stream (Adds, Resizes, SE gates at up to 160x160), tied through residual Adds.
MODELS=(
  "blazeface-front|$M/blazeface/face_detection_front_128x128.onnx|calib eval||--annotations $F/faces/testing.xml|--align 8"
  "blazeface-back|$M/blazeface/face_detection_back_256x256.onnx|calib eval||--annotations $F/faces/testing.xml|--align 8"
  "ppocr-cls|$M/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx|text-calib text-eval|--text-lines|--text-lines|--align 16 --drop-blocks --max-layer-error 0.15"
  "ppocr-det|$M/ppocr/ch_PP-OCRv4_det_infer.onnx|det-calib det-eval|||--align 8 --residual-streams --max-layer-error 0.2"
)
for entry in "${MODELS[@]}"; do
  IFS='|' read -r name model sets qopts eopts _ <<<"$entry"
  read -r cdir edir <<<"$sets"
  for act in uint8 int8; do
    q="$WORK/models/$name.$act.onnx"
    log "$name: quantize ($act activations)"
    # shellcheck disable=SC2086
    "$TOOL" quantize "$model" --calibration "$WORK/$cdir" --output "$q" --activations "$act" $qopts 2>/dev/null | tee -a "$WORK/quantize.log" >&2
    log "$name: eval $act"
    # shellcheck disable=SC2086
    "$TOOL" eval "$q" --reference "$model" --images "$WORK/$edir" --runs "$RUNS" --json $eopts 2>/dev/null > "$WORK/json/$name.$act.json"
  done
done

# The OCR detector's int8 speed-up also with one ORT thread (a device leaving a core for the camera
# and preprocessing, as docs/SERVICE.md advises): on this 2-core machine it differs from 2 threads.
"$TOOL" eval "$WORK/models/ppocr-det.uint8.onnx" --reference "$M/ppocr/ch_PP-OCRv4_det_infer.onnx" --images "$WORK/det-eval" --runs "$RUNS" --threads 1 --json \
  2>/dev/null > "$WORK/json/ppocr-det.uint8.threads1.json"

# Pruning, then int8 (uint8 activations) on the pruned model. Every channel of BlazeFace front runs
# through its residual stream, which prune leaves alone without --residual-streams (prune reports
# it and the table shows it); with it, its boxes no longer match float's (docs/BENCHMARKS.md).
for entry in "${MODELS[@]}"; do
  IFS='|' read -r name model sets qopts eopts popts <<<"$entry"
  read -r cdir edir <<<"$sets"
  p="$WORK/models/$name.pruned.onnx"
  log "$name: prune (ratio $PRUNE_RATIO $PRUNE_OPTS $popts)"
  echo "$PRUNE_RATIO $PRUNE_OPTS $popts" > "$WORK/json/$name.prune-options"
  # shellcheck disable=SC2086
  if ! "$TOOL" prune "$model" --calibration "$WORK/$cdir" --ratio "$PRUNE_RATIO" $PRUNE_OPTS $popts --output "$p" ${qopts%%--method*} 2>"$WORK/prune-$name.log" >&2; then
    tail -1 "$WORK/prune-$name.log" >&2; echo "$(tail -1 "$WORK/prune-$name.log")" > "$WORK/json/$name.pruned.refused"; continue
  fi
  # shellcheck disable=SC2086
  "$TOOL" quantize "$p" --calibration "$WORK/$cdir" --output "$WORK/models/$name.pruned.uint8.onnx" --activations uint8 $qopts 2>/dev/null >&2
  # shellcheck disable=SC2086
  "$TOOL" eval "$WORK/models/$name.pruned.uint8.onnx" --reference "$model" --images "$WORK/$edir" --runs "$RUNS" --json $eopts 2>/dev/null > "$WORK/json/$name.pruned-vs-float.json"
  # shellcheck disable=SC2086
  "$TOOL" eval "$WORK/models/$name.pruned.uint8.onnx" --reference "$WORK/models/$name.uint8.onnx" --card "${model%.onnx}.card.json" --images "$WORK/$edir" --runs "$RUNS" --json $eopts 2>/dev/null > "$WORK/json/$name.pruned-vs-int8.json"
done

# Where the OCR detector's time goes, int8 against float, operator by operator (ORT's profiler;
# its per-node timestamps slow both models, so these runs are not the latency figures above).
log "ppocr-det: ORT profile, uint8 against float"
"$TOOL" eval "$WORK/models/ppocr-det.uint8.onnx" --reference "$M/ppocr/ch_PP-OCRv4_det_infer.onnx" --images "$WORK/det-eval" --runs 3 \
  --profile "$WORK/profile-ppocr-det" 2>"$WORK/profile-ppocr-det.txt" >/dev/null

python3 - "$WORK/json" <<'PY' > "$WORK/report.md"
import json, sys, os, glob, platform, datetime
d = sys.argv[1]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; date {datetime.date.today()}")
print()
print("| model | activations | size vs float | float ms | int8 ms | speed-up | quality: float | quality: int8 | agreement with float |")
print("|---|---|---|---|---|---|---|---|---|")
for name in ["blazeface-front", "blazeface-back", "ppocr-cls", "ppocr-det"]:
    for act in ["uint8", "int8"]:
        p = f"{d}/{name}.{act}.json"
        if not os.path.exists(p): continue
        r = json.load(open(p))
        size = r["candidateBytes"] / r["referenceBytes"]
        speed = r["referenceMedianMs"] / r["candidateMedianMs"]
        if r["kind"] == "detector":
            rt, ct, cr = r["referenceVsTruth"], r["candidateVsTruth"], r["candidateVsReference"]
            qf = f"P {rt['precision']:.3f} R {rt['recall']:.3f}"
            qi = f"P {ct['precision']:.3f} R {ct['recall']:.3f}"
            ag = f"{cr['recall']:.3f} of float's boxes found, {cr['precision']:.3f} of int8's match"
        elif r["kind"] == "classifier":
            qf, qi = "-", "-"
            if r.get("referenceAccuracy") is not None:
                qf, qi = f"orientation right {r['referenceAccuracy']:.3f}", f"orientation right {r['candidateAccuracy']:.3f}"
            ag = f"top-1 {r['top1Agreement']:.3f} ({r['inputs']} inputs); {r.get('top1AgreementConfident') or 0:.3f} where float p >= 0.9 (n={r['confidentInputs']})"
        else:
            qf, qi = "-", "-"
            cr = r["candidateVsReference"]
            ag = f"{cr['recall']:.3f} of float's text regions found ({cr['truePositives']}/{cr['truePositives'] + cr['falseNegatives']}), {cr['precision']:.3f} of int8's match; map IoU {r['mapIoU']:.3f} (p > 0.3, {r['inputs']} inputs)"
        print(f"| {name} | {act} | {size:.1%} ({r['candidateBytes']:,} B) | {r['referenceMedianMs']:.3f} | {r['candidateMedianMs']:.3f} | {speed:.2f}x | {qf} | {qi} | {ag} |")
t1 = f"{d}/ppocr-det.uint8.threads1.json"
if os.path.exists(t1):
    r = json.load(open(t1))
    print()
    print(f"ppocr-det, uint8, 1 ORT thread: float {r['referenceMedianMs']:.3f} ms, int8 {r['candidateMedianMs']:.3f} ms, "
          f"{r['referenceMedianMs'] / r['candidateMedianMs']:.2f}x (int8/float {r['candidateMedianMs'] / r['referenceMedianMs']:.3f}; the target is at most 0.769).")
print()
print("Pruned + int8 (uint8 activations): quality against the float model, speed against int8 alone (both in one eval run).")
print()
print("| model | prune options | size vs float | int8 ms | pruned+int8 ms | speed-up vs int8 | quality: float | quality: pruned+int8 | agreement with float |")
print("|---|---|---|---|---|---|---|---|---|")
def popt(name):
    f = f"{d}/{name}.prune-options"
    return "`--ratio " + " ".join(open(f).read().split()) + "`" if os.path.exists(f) else "-"
for name in ["blazeface-front", "blazeface-back", "ppocr-cls", "ppocr-det"]:
    refused = f"{d}/{name}.pruned.refused"
    if os.path.exists(refused):
        print(f"| {name} | {popt(name)} | - | - | - | - | - | - | refused: {open(refused).read().strip().split(': ', 2)[-1][:90]}... |")
        continue
    p, q = f"{d}/{name}.pruned-vs-float.json", f"{d}/{name}.pruned-vs-int8.json"
    if not (os.path.exists(p) and os.path.exists(q)): continue
    r, s = json.load(open(p)), json.load(open(q))
    if r["kind"] == "detector":
        rt, ct, cr = r["referenceVsTruth"], r["candidateVsTruth"], r["candidateVsReference"]
        qf, qi = f"P {rt['precision']:.3f} R {rt['recall']:.3f}", f"P {ct['precision']:.3f} R {ct['recall']:.3f}"
        ag = f"{cr['recall']:.3f} of float's boxes found"
    elif r["kind"] == "classifier":
        qf, qi, ag = "-", "-", f"top-1 {r['top1Agreement']:.3f} ({r['inputs']} inputs); {r.get('top1AgreementConfident') or 0:.3f} where float p >= 0.9"
        if r.get("referenceAccuracy") is not None:
            qf, qi = f"orientation right {r['referenceAccuracy']:.3f}", f"orientation right {r['candidateAccuracy']:.3f}"
    else:
        cr = r["candidateVsReference"]
        qf, qi, ag = "-", "-", f"{cr['recall']:.3f} of float's text regions found; map IoU {r['mapIoU']:.3f}"
    print(f"| {name} | {popt(name)} | {r['candidateBytes']/r['referenceBytes']:.1%} | {s['referenceMedianMs']:.3f} | {s['candidateMedianMs']:.3f} | {s['referenceMedianMs']/s['candidateMedianMs']:.2f}x | {qf} | {qi} | {ag} |")
PY
{ echo; echo "OCR detector at 640x640, uint8 (reference: float):"; echo; sed -n '/^time per run by operator/,$p' "$WORK/profile-ppocr-det.txt"; } >> "$WORK/report.md"
cp "$WORK/report.md" "$OUT/model-toolchain-$(date +%Y%m%d-%H%M).md"
cat "$WORK/report.md"
