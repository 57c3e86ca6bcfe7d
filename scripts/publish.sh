#!/usr/bin/env bash
# Publishes the device binary as a self-contained NativeAOT executable for this machine's
# architecture (or RID=linux-arm64 where its packs exist) into artifacts/edgecam/RID/,
# with libonnxruntime.so.1 beside it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RID="${RID:-$(dotnet_rid)}"
OUT="$ARTIFACTS/edgecam/$RID"
log "publishing NativeAOT edgecam for $RID -> $OUT"
dotnet publish "$REPO/src/EdgeCam/EdgeCam.csproj" -c Release -r "$RID" -o "$OUT" -nologo -v quiet -clp:ErrorsOnly \
  -p:TreatWarningsAsErrors=true >&2
cp "$EDGECAM_CACHE/ort/$RID/libonnxruntime.so.1" "$OUT/"
rm -f "$OUT"/*.dbg "$OUT"/*.pdb
log "published: $OUT/edgecam ($(du -h "$OUT/edgecam" | cut -f1))"
