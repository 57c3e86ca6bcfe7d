#!/usr/bin/env bash
# The spine's budgets, measured from the published NativeAOT binary in one run of this script:
# binary size, start-up time to the first processed frame, RSS with the model loaded, per-stage
# mean/p99, frames/s, managed bytes allocated per frame, and RSS growth over 100,000 synthetic
# frames. Writes a Markdown section to stdout (and bench/results/spine-*.md); paste it into
# docs/BENCHMARKS.md.  Usage: bench/spine.sh [FRAMES]   (default 100000)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
FRAMES="${1:-100000}"
RID=$(dotnet_rid)
BIN="$ARTIFACTS/edgecam/$RID/edgecam"
[ -x "$BIN" ] || bash "$REPO/scripts/publish.sh"
OUT="$REPO/bench/results"; mkdir -p "$OUT"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

# A config: the synthetic 640x480 YUYV pattern as fast as it is taken, BlazeFace front, one rule.
cat > "$TMP/synthetic.json" <<JSON
{
  "source": { "kind": "synthetic", "width": 640, "height": 480, "format": "yuyv", "fps": 0, "frames": $FRAMES },
  "model": { "path": "\${EDGECAM_CACHE}/models/blazeface/face_detection_front_128x128.onnx", "threads": 2 },
  "gpio": { "chip": "simulated", "outputs": [ { "name": "door_light", "line": 17 } ] },
  "rules": [ { "name": "face", "when": { "label": "face", "minScore": 0.6 }, "actions": [ { "output": "door_light", "do": "set" } ] } ],
  "run": { "warmupFrames": 200 }
}
JSON

size_bytes=$(stat -c %s "$BIN")
log "start-up: 20 runs of one frame each"
for i in $(seq 1 20); do
  "$BIN" run --config "$TMP/synthetic.json" --max-frames 1 2>/dev/null | grep '"summary"' > "$TMP/start-$i.json"
done
log "steady state: $FRAMES frames"
"$BIN" run --config "$TMP/synthetic.json" 2>"$TMP/run.log" | grep '"summary"' > "$TMP/long.json"

python3 - "$TMP" "$size_bytes" "$FRAMES" > "$TMP/report.md" <<'PY'
import glob, json, statistics, sys, platform, datetime, os, subprocess
tmp, size, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
starts = [json.load(open(f))["summary"]["startupMs"] for f in glob.glob(f"{tmp}/start-*.json")]
s = json.load(open(f"{tmp}/long.json"))["summary"]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; date {datetime.date.today()}")
print()
print("| figure | measured | budget |")
print("|---|---|---|")
print(f"| AOT binary size (without libonnxruntime) | {size/1e6:.1f} MB | <= 25 MB |")
print(f"| start-up to first processed frame (median of 20) | {statistics.median(starts):.0f} ms | <= 500 ms |")
print(f"| RSS with the model loaded (after warm-up) | {s['rssAfterWarmupBytes']/1e6:.1f} MB | <= 100 MB |")
print(f"| frames/s (synthetic 640x480 YUYV, 2 ORT threads) | {s['fps']:.1f} | - |")
print(f"| managed bytes allocated per frame | {s['allocatedBytesPerFrame']:.2f} | 0 |")
print(f"| RSS growth over {s['framesProcessed']:,} frames | {(s['rssEndBytes']-s['rssAfterWarmupBytes'])/1e6:.2f} MB | < 2 MB |")
print()
print("| stage | mean ms | p99 ms |")
print("|---|---|---|")
for name, st in s["stages"].items():
    print(f"| {name} | {st['meanMs']:.3f} | {st['p99Ms']:.3f} |")
PY
cp "$TMP/report.md" "$OUT/spine-$(date +%Y%m%d-%H%M).md"
cat "$TMP/report.md"
