#!/usr/bin/env bash
# Hardware in the loop, emulated: boots Debian's own Linux 6.1 kernel under QEMU (software
# emulation) with a small initramfs holding the NativeAOT edgecam, and runs its device checks
# against real kernel drivers: vivid (a V4L2 webcam), gpio-sim (8 GPIO lines, built here out of
# tree from Debian's linux-source-6.1) and i2c-stub (an SMBus device seeded as a BME280).
# The guest prints one "hil: PASS|FAIL <check> ..." line per check on its serial console; this
# script parses them, prints "hil: N passed, N failed" and exits non-zero on any failure or a
# check that never reported.
#
#   scripts/hil.sh [--no-publish]     (--no-publish: use the binary already in artifacts/)
#
# Cached under $EDGECAM_CACHE/hil/<kernel version>: the gpio-sim module (built once per kernel).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

publish=1
[ "${1:-}" = "--no-publish" ] && publish=0

EXPECTED_CHECKS=(camera-stream camera-tensor gpio-rule-output gpio-safe-sigterm gpio-safe-sigkill sensor-rule-output gpio-edge-latency bme280-reading camera-stall camera-replug)
start=$(date +%s)

apt_install qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source-6.1 busybox-static i2c-tools v4l-utils kmod cpio make gcc xz-utils

# The guest kernel: the newest installed Debian 6.1 image that has its headers (to build gpio-sim against).
KVER=""
for img in $(ls -1v /boot/vmlinuz-6.1.*-amd64 2>/dev/null | sort -rV); do
  v=${img#/boot/vmlinuz-}
  [ -d "/usr/src/linux-headers-$v" ] && [ -d "/lib/modules/$v" ] && { KVER=$v; break; }
done
[ -n "$KVER" ] || die "no Debian 6.1 kernel with matching headers (linux-image-amd64 and linux-headers-amd64 disagree?)"
CACHE="$EDGECAM_CACHE/hil/$KVER"
mkdir -p "$CACHE"
log "guest kernel $KVER"

# gpio-sim is not built in Debian's kernels: build it out of tree from linux-source-6.1, with the
# kernel's interrupt simulator beside it (irq_to_desc is not exported in 6.1; generic_handle_irq is).
if [ ! -f "$CACHE/gpiosim.ko" ]; then
  log "building gpio-sim.ko for $KVER (once; cached in $CACHE)"
  src="$CACHE/gpiosim-src"; rm -rf "$src"; mkdir -p "$src"
  # One pass over the 130 MB archive; the three files land flat in $src.
  tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$src" --wildcards --transform='s|.*/||' \
    '*/drivers/gpio/gpio-sim.c' '*/drivers/gpio/gpiolib.h' '*/kernel/irq/irq_sim.c'
  grep -q 'handle_simple_irq(irq_to_desc(' "$src/irq_sim.c" || die "irq_sim.c in linux-source-6.1 changed; adapt the gpio-sim build"
  sed -i 's/handle_simple_irq(irq_to_desc(\([^)]*\)))/generic_handle_irq(\1)/' "$src/irq_sim.c"
  printf 'obj-m := gpiosim.o\ngpiosim-objs := gpio-sim.o irq_sim.o\n' > "$src/Makefile"
  make -s -C "/usr/src/linux-headers-$KVER" M="$src" modules >"$src/build.log" 2>&1 || { cat "$src/build.log" >&2; die "gpio-sim build failed"; }
  cp "$src/gpiosim.ko" "$CACHE/gpiosim.ko.tmp" && mv "$CACHE/gpiosim.ko.tmp" "$CACHE/gpiosim.ko"
  rm -rf "$src"
fi

if [ "$publish" = 1 ]; then bash "$REPO/scripts/publish.sh"; fi
BIN_DIR="$ARTIFACTS/edgecam/linux-x64"
[ -x "$BIN_DIR/edgecam" ] || die "$BIN_DIR/edgecam missing: run scripts/publish.sh"
MODEL_DIR="$EDGECAM_CACHE/models/blazeface"
[ -f "$MODEL_DIR/face_detection_front_128x128.onnx" ] || die "BlazeFace model missing in $MODEL_DIR: run scripts/setup.sh"

# The initramfs: busybox, edgecam and the libraries ldd names, the model, the modules with their
# dependencies (a modules.dep made by depmod for this subset, so busybox modprobe works), the init.
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,hil,lib64,usr/bin}
cp /bin/busybox "$root/bin/busybox"
copy_with_libs() { # copy_with_libs FILE DESTDIR: the file plus every shared library ldd names, at their own paths
  cp "$1" "$root/$2/"
  ldd "$1" | grep -oE '/[^ ]+' | while read -r lib; do
    [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
  done
}
copy_with_libs "$BIN_DIR/edgecam" hil
copy_with_libs "$BIN_DIR/libonnxruntime.so.1" hil
copy_with_libs /usr/sbin/i2cset usr/bin
copy_with_libs /usr/sbin/i2cget usr/bin
copy_with_libs /usr/bin/v4l2-ctl usr/bin
cp "$MODEL_DIR"/face_detection_front_128x128.{onnx,card.json} "$root/hil/"
cp "$REPO"/tests/hil/*.json "$root/hil/"
install -m 0755 "$REPO/tests/hil/guest-init.sh" "$root/init"
mods="$root/lib/modules/$KVER"
mkdir -p "$mods/extra"
for m in vivid i2c-stub i2c-dev configfs; do
  modprobe --show-depends -S "$KVER" "$m" | awk '$1 == "insmod" { print $2 }' | while read -r ko; do
    mkdir -p "$root$(dirname "$ko")"; cp "$ko" "$root$ko"
  done
done
cp "$CACHE/gpiosim.ko" "$mods/extra/"
cp "/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$mods/" 2>/dev/null || true
depmod -b "$root" "$KVER"
initrd="$ARTIFACTS/hil-initrd.cpio.gz"
mkdir -p "$ARTIFACTS"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 > "$initrd.tmp") && mv "$initrd.tmp" "$initrd"
log "initramfs $(du -h "$initrd" | cut -f1), ready after $(( $(date +%s) - start )) s"

# Software emulation unless KVM demonstrably works: /dev/kvm may exist and still fail (nested
# virtualisation: QEMU aborts on an MSR with -cpu host, or hangs). A 20 s probe boot of the same
# initramfs (its init only prints a marker) decides once per host kernel; the verdict is cached.
# EDGECAM_HIL_ACCEL=tcg|kvm overrides.
kvm_works() {
  [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
  local verdict="$EDGECAM_CACHE/hil/kvm-$(uname -r)"
  if [ ! -f "$verdict" ]; then
    if timeout 20 qemu-system-x86_64 -enable-kvm -cpu host -m 512 -nographic -no-reboot -nodefaults -serial stdio \
         -kernel "/boot/vmlinuz-$KVER" -initrd "$initrd" -append "console=ttyS0 panic=-1 loglevel=1 rdinit=/init hil.probe" \
         </dev/null 2>&1 | grep -aq 'hil-guest: kvm probe ok'; then echo works >"$verdict"; else echo broken >"$verdict"; fi
  fi
  [ "$(cat "$verdict")" = works ]
}
case "${EDGECAM_HIL_ACCEL:-auto}" in
  kvm) accel=(-enable-kvm -cpu host) ;;
  tcg) accel=(-accel tcg -cpu max) ;;
  *) if kvm_works; then accel=(-enable-kvm -cpu host); else accel=(-accel tcg -cpu max); fi ;;
esac
log "accelerator: ${accel[*]}"
console="$ARTIFACTS/hil-console.txt"
boot=$(date +%s)
timeout 420 qemu-system-x86_64 "${accel[@]}" -m 1536 -smp 2 -nographic -no-reboot -nodefaults -serial stdio \
  -kernel "/boot/vmlinuz-$KVER" -initrd "$initrd" \
  -append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init" </dev/null >"$console" 2>&1 || log "qemu exited with $? (see $console)"
log "guest ran $(( $(date +%s) - boot )) s; whole stage $(( $(date +%s) - start )) s"

# Result lines may follow a child's partial line on the shared console (a SIGKILLed edgecam run
# cannot finish its last line), so they are found anywhere in a line.
results=$(tr -d '\r' <"$console" | grep -aoE 'hil: (PASS|FAIL|SKIP) .*' || true)
[ -n "$results" ] && echo "$results"
passed=0; failed=0
for check in "${EXPECTED_CHECKS[@]}"; do
  line=$(grep -E "^hil: (PASS|FAIL) $check( |$)" <<<"$results" | tail -n 1 || true)
  case "$line" in
    "hil: PASS "*) passed=$((passed + 1)) ;;
    "hil: FAIL "*) failed=$((failed + 1)) ;;
    *) echo "hil: FAIL $check never reported (see $console)"; failed=$((failed + 1)) ;;
  esac
done
echo "hil: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
