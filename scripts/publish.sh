#!/usr/bin/env bash
# Publishes the device binary as a self-contained NativeAOT executable for this machine's
# architecture, or for RID=linux-arm64 from an x86-64 machine (cross-compiled, linked by Debian's
# aarch64 gcc through scripts/aarch64-gcc), into artifacts/edgecam/RID/, with libonnxruntime.so.1
# beside it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RID="${RID:-$(dotnet_rid)}"
OUT="$ARTIFACTS/edgecam/$RID"
log "publishing NativeAOT edgecam for $RID -> $OUT"
dotnet publish "$REPO/src/EdgeCam/EdgeCam.csproj" -c Release -r "$RID" -o "$OUT" -nologo -v quiet -clp:ErrorsOnly \
  -p:TreatWarningsAsErrors=true $(aot_cross_args "$RID") >&2
cp "$EDGECAM_CACHE/ort/$RID/libonnxruntime.so.1" "$OUT/"
rm -f "$OUT"/*.dbg "$OUT"/*.pdb
log "published: $OUT/edgecam ($(du -h "$OUT/edgecam" | cut -f1))"
