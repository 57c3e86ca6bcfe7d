#!/usr/bin/env bash
# arm64 without an arm64 machine. Cross-compiles the NativeAOT edgecam binary and the
# preprocessing property check (tests/arm64/PreprocessCheck) for linux-arm64, linked by Debian's
# aarch64 gcc (scripts/aarch64-gcc), then runs them under QEMU's user-mode emulator with Debian's
# arm64 libraries (libturbojpeg, OpenSSL, libstdc++) and the official arm64 libonnxruntime:
#   - the Vector128 preprocessing runs as NEON (AdvSimd) and must equal the scalar reference;
#   - the arm64 binary must find the same faces as the x64 binary on the demo photos;
#   - the built-in demo must run end to end and leave the door light in its safe state.
# ONNX Runtime identifies ARM cores from /proc/cpuinfo, which under user-mode emulation is the
# host's x86 text (its cpuinfo library then crashes on a NULL core list), so the ORT checks run
# in a private mount namespace where /proc/cpuinfo reads as a Raspberry Pi 4's Cortex-A72
# (tests/arm64/cpuinfo-cortex-a72). Needs root for that (unshare -m; sudo when not root).
# Also: the kernel uAPI structs and ioctl numbers EdgeCam mirrors are the same in arm64's headers.
# Prints "arm64: PASS|FAIL <check>" lines and "arm64: N passed, M failed".
# Usage: scripts/arm64.sh [X64_EDGECAM]   (the x64 binary to compare with; default: artifacts)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

X64_BIN="${1:-$ARTIFACTS/edgecam/$(dotnet_rid)/edgecam}"
OUT="$ARTIFACTS/arm64"
ROOT="$EDGECAM_CACHE/arm64/root"   # arm64 shared libraries, extracted from Debian's packages
M="$EDGECAM_CACHE/models/blazeface"
passed=0; failed=0
check() { # check NAME COMMAND...: one PASS/FAIL line
  local name="$1"; shift
  if "$@" >"$OUT/$name.log" 2>&1; then echo "arm64: PASS $name"; passed=$((passed + 1))
  else echo "arm64: FAIL $name: $(tail -n 3 "$OUT/$name.log" | tr '\n' ' ')"; failed=$((failed + 1)); fi
}

apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user file
rm -rf "$OUT"; mkdir -p "$OUT"

# Debian's arm64 shared libraries (through a private apt state: the machine's dpkg is not touched).
if [ ! -e "$ROOT/usr/lib/aarch64-linux-gnu/libturbojpeg.so.0" ]; then
  log "fetching Debian's arm64 libturbojpeg0, libssl3, libstdc++6"
  rm -rf "$ROOT.tmp"
  arm64_debs "$ROOT.tmp" libturbojpeg0 libssl3 libstdc++6
  rm -rf "$ROOT"; mv "$ROOT.tmp" "$ROOT"
fi

log "cross-compiling edgecam and preprocess-check for linux-arm64 (NativeAOT)"
RID=linux-arm64 bash "$REPO/scripts/publish.sh"
# shellcheck disable=SC2046
dotnet publish "$REPO/tests/arm64/PreprocessCheck/PreprocessCheck.csproj" -c Release -r linux-arm64 -o "$OUT/check" -nologo -v quiet \
  -clp:ErrorsOnly -p:TreatWarningsAsErrors=true $(aot_cross_args linux-arm64) >&2
BIN="$ARTIFACTS/edgecam/linux-arm64/edgecam"

emulate() { qemu-aarch64 -L /usr/aarch64-linux-gnu -E "LD_LIBRARY_PATH=$ROOT/usr/lib/aarch64-linux-gnu" "$@"; }
# emulate_ort COMMAND...: as emulate, with /proc/cpuinfo describing the Cortex-A72.
emulate_ort() {
  as_root unshare -m sh -c 'mount --bind "$0" /proc/cpuinfo && exec "$@"' "$REPO/tests/arm64/cpuinfo-cortex-a72" \
    qemu-aarch64 -L /usr/aarch64-linux-gnu -E "LD_LIBRARY_PATH=$ROOT/usr/lib/aarch64-linux-gnu" "$@"
}

# The kernel structs and ioctl numbers EdgeCam mirrors (checked against x64's headers by
# UapiLayoutTests) must be the same on arm64: compiled from Debian's arm64 kernel headers, run.
same_uapi_layout() {
  gcc -o "$OUT/uapi-x64" "$REPO/tests/native/uapi_layout.c"
  aarch64-linux-gnu-gcc -o "$OUT/uapi-arm64" "$REPO/tests/native/uapi_layout.c"
  "$OUT/uapi-x64" > "$OUT/uapi-x64.txt"
  emulate "$OUT/uapi-arm64" > "$OUT/uapi-arm64.txt"
  diff "$OUT/uapi-x64.txt" "$OUT/uapi-arm64.txt" >&2
  echo "$(wc -l < "$OUT/uapi-arm64.txt") sizes, offsets and ioctl numbers identical" >&2
}
check kernel-uapi-layout-same-as-x64 same_uapi_layout

binary_is_arm64() {
  file "$BIN" | tee /dev/stderr | grep -q 'ARM aarch64'
  local size; size=$(stat -c %s "$BIN"); echo "size $size bytes" >&2
  [ "$size" -le $((25 * 1024 * 1024)) ]
}
check binary-is-arm64-aot binary_is_arm64

neon_matches_reference() {
  emulate "$OUT/check/preprocess-check" 600 | tee /dev/stderr | grep -qE 'Arm64, Vector128 accelerated True, AdvSimd True: [0-9]+ cases, 0 mismatches'
}
check neon-preprocessing-equals-reference neon_matches_reference

same_faces_as_x64() {
  local photos="$EDGECAM_CACHE/data/demo"
  "$X64_BIN" detect -m "$M/face_detection_back_256x256.onnx" "$photos" 2>/dev/null > "$OUT/detect-x64.jsonl"
  emulate_ort "$BIN" detect -m "$M/face_detection_back_256x256.onnx" "$photos" 2>/dev/null > "$OUT/detect-arm64.jsonl"
  python3 - "$OUT/detect-x64.jsonl" "$OUT/detect-arm64.jsonl" <<'PY'
import json, sys
x64 = [json.loads(l) for l in open(sys.argv[1])]
arm = [json.loads(l) for l in open(sys.argv[2])]
assert len(x64) == len(arm) > 0, f"{len(arm)} results on arm64, {len(x64)} on x64"
faces = 0
for a, b in zip(x64, arm):
    da, db = a["detections"], b["detections"]
    assert len(da) == len(db), f"{a['input']}: {len(db)} faces on arm64, {len(da)} on x64"
    for p, q in zip(da, db):
        assert abs(p["score"] - q["score"]) <= 0.01, f"{a['input']}: score {q['score']} vs {p['score']}"
        assert all(abs(u - v) <= 1.0 for u, v in zip(p["box"], q["box"])), f"{a['input']}: box {q['box']} vs {p['box']}"
        faces += 1
assert faces > 0, "no faces found at all"
print(f"{len(arm)} photos, {faces} faces: same on arm64 as on x64 (scores within 0.01, boxes within 1 px)")
PY
}
check detect-same-faces-as-x64 same_faces_as_x64

demo_runs() {
  emulate_ort "$BIN" run > "$OUT/demo.jsonl" 2> "$OUT/demo.log"
  tail -n 3 "$OUT/demo.log" >&2
  grep -q '"output":"door_light","value":true' "$OUT/demo.jsonl"
  grep -q 'outputs in their safe state (end of run): door_light=off' "$OUT/demo.log"
  grep -q '"summary"' "$OUT/demo.jsonl"
}
check demo-runs-end-to-end demo_runs

echo "arm64: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
