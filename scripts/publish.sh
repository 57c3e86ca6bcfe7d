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
# A Vector64/128/256 operation the compiler could not turn into instructions is compiled as a call
# into CoreLib's software fallback (e.g. a Shuffle whose indices are not literal constants at the
# call: the JIT folds them later, NativeAOT did not, and the preprocessing ran 11x slower in the
# binary than under the JIT). Correct results, so only timing would show it: refuse the binary.
nm_tool=nm; [ "$RID" = linux-arm64 ] && [ "$(dotnet_rid)" != linux-arm64 ] && nm_tool=aarch64-linux-gnu-nm
fallbacks=$("$nm_tool" "$OUT/edgecam.dbg" | grep -oE 'S_P_CoreLib_System_Runtime_Intrinsics_Vector(64|128|256)__[A-Za-z_0-9]+' | sort -u || true)
[ -z "$fallbacks" ] || die "the AOT binary calls software fallbacks of vector operations (make their arguments literal constants): $(echo $fallbacks)"
rm -f "$OUT"/*.dbg "$OUT"/*.pdb
log "published: $OUT/edgecam ($(du -h "$OUT/edgecam" | cut -f1))"
