#!/usr/bin/env bash
# Hardware in the loop, emulated: boots Debian's own Linux 6.1 kernel under QEMU (software
# emulation) with a small initramfs holding the NativeAOT edgecam, and runs its device checks
# against real kernel drivers: vivid (a V4L2 webcam), gpio-sim (8 GPIO lines, built here out of
# tree from Debian's linux-source-6.1) and i2c-stub (an SMBus device seeded as a BME280).
# The guest prints one "hil: PASS|FAIL <check> ..." line per check on its serial console; this
# script parses them, prints "hil: N passed, N failed" and exits non-zero on any failure or a
# check that never reported.
#
# --arch arm64 does the same for the boards' architecture on this x86-64 machine: Debian's arm64
# kernel on QEMU's "virt" board with a Cortex-A72 (a Raspberry Pi 4's core), the cross-compiled
# arm64 edgecam (scripts/publish.sh), arm64 busybox, v4l2-ctl and libraries from Debian's packages, and
# gpio-sim plus i2c-stub (which Debian's arm64 kernel lacks) cross-built out of tree with
# Debian's arm64 kernel headers and aarch64 gcc. Its lines say "hil-arm64:".
#
#   scripts/hil.sh [--no-publish] [--arch x86_64|arm64]   (--no-publish: use the binary in artifacts/)
#
# Cached under $EDGECAM_CACHE/hil/<kernel version>: the out-of-tree modules (built once per kernel)
# and, for arm64, the kernel, headers, busybox and v4l-utils taken from Debian's arm64 packages.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

publish=1 arch=x86_64
while [ $# -gt 0 ]; do
  case "$1" in
    --no-publish) publish=0; shift ;;
    --arch) arch="$2"; shift 2 ;;
    *) die "unknown argument $1 (usage: scripts/hil.sh [--no-publish] [--arch x86_64|arm64])" ;;
  esac
done
case "$arch" in x86_64|amd64) arch=x86_64 PREFIX=hil RID=linux-x64 ;; arm64|aarch64) arch=arm64 PREFIX=hil-arm64 RID=linux-arm64 ;; *) die "--arch $arch: x86_64 or arm64" ;; esac

EXPECTED_CHECKS=(camera-stream camera-tensor gpio-rule-output gpio-safe-sigterm gpio-safe-sigkill sensor-rule-output gpio-edge-latency bme280-reading camera-stall camera-replug)
start=$(date +%s)

apt_install qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source-6.1 busybox-static i2c-tools v4l-utils kmod cpio make gcc xz-utils

# The host's kernel: the newest installed Debian 6.1 image that has its headers (the x86-64 guest
# kernel, and the version whose kbuild tools and common headers the arm64 module build borrows).
KVER=""
for img in $(ls -1v /boot/vmlinuz-6.1.*-amd64 2>/dev/null | sort -rV); do
  v=${img#/boot/vmlinuz-}
  [ -d "/usr/src/linux-headers-$v" ] && [ -d "/lib/modules/$v" ] && { KVER=$v; break; }
done
[ -n "$KVER" ] || die "no Debian 6.1 kernel with matching headers (linux-image-amd64 and linux-headers-amd64 disagree?)"

# Out-of-tree modules from linux-source-6.1: gpio-sim (not built in Debian's kernels), with the
# kernel's interrupt simulator beside it (irq_to_desc is not exported in 6.1; generic_handle_irq
# is), and for arm64 i2c-stub (built for amd64 only). build_modules HEADERS OUT_DIR [MAKE ARGS...]
build_modules() {
  local headers="$1" out="$2"; shift 2
  local src="$out/modules-src" objs="gpiosim.o" files=('*/drivers/gpio/gpio-sim.c' '*/drivers/gpio/gpiolib.h' '*/kernel/irq/irq_sim.c')
  [ "$arch" = arm64 ] && { objs="$objs i2c-stub.o"; files+=('*/drivers/i2c/i2c-stub.c'); }
  rm -rf "$src"; mkdir -p "$src"
  # One pass over the 130 MB archive; the files land flat in $src.
  tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$src" --wildcards --transform='s|.*/||' "${files[@]}"
  grep -q 'handle_simple_irq(irq_to_desc(' "$src/irq_sim.c" || die "irq_sim.c in linux-source-6.1 changed; adapt the gpio-sim build"
  sed -i 's/handle_simple_irq(irq_to_desc(\([^)]*\)))/generic_handle_irq(\1)/' "$src/irq_sim.c"
  printf 'obj-m := %s\ngpiosim-objs := gpio-sim.o irq_sim.o\n' "$objs" > "$src/Makefile"
  make -s -C "$headers" M="$src" "$@" modules >"$src/build.log" 2>&1 || { cat "$src/build.log" >&2; die "module build failed"; }
  for ko in "$src"/*.ko; do cp "$ko" "$out/$(basename "$ko").tmp" && mv "$out/$(basename "$ko").tmp" "$out/$(basename "$ko")"; done
  rm -rf "$src"
}

if [ "$arch" = x86_64 ]; then
  GUEST_KVER=$KVER
  CACHE="$EDGECAM_CACHE/hil/$GUEST_KVER"
  mkdir -p "$CACHE"
  log "guest kernel $GUEST_KVER"
  if [ ! -f "$CACHE/gpiosim.ko" ]; then
    log "building gpio-sim.ko for $GUEST_KVER (once; cached in $CACHE)"
    build_modules "/usr/src/linux-headers-$GUEST_KVER" "$CACHE"
  fi
  MODROOT=/ KERNEL="/boot/vmlinuz-$GUEST_KVER" BUSYBOX=/bin/busybox
else
  apt_install qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  # Debian's arm64 kernel of the same ABI as the host's headers (their kbuild tools and common
  # headers are architecture-independent and already installed), arm64 headers and busybox.
  GUEST_KVER=${KVER%-amd64}-arm64
  CACHE="$EDGECAM_CACHE/hil/$GUEST_KVER"
  pkgs="$CACHE/packages"
  if [ ! -f "$pkgs/boot/vmlinuz-$GUEST_KVER" ]; then
    log "fetching Debian's arm64 kernel $GUEST_KVER, its headers, busybox and v4l-utils (once; cached in $CACHE)"
    rm -rf "$pkgs.tmp"; mkdir -p "$pkgs.tmp"
    arm64_debs "$pkgs.tmp" "linux-image-$GUEST_KVER" "linux-headers-$GUEST_KVER" busybox-static \
      v4l-utils libv4l-0 libv4lconvert0 libjpeg62-turbo
    mkdir -p "$pkgs.tmp/usr/lib"
    ln -sfn /usr/lib/linux-kbuild-6.1 "$pkgs.tmp/usr/lib/linux-kbuild-6.1"
    depmod -b "$pkgs.tmp" "$GUEST_KVER"
    rm -rf "$pkgs"; mv "$pkgs.tmp" "$pkgs"
  fi
  log "guest kernel $GUEST_KVER (arm64)"
  if [ ! -f "$CACHE/gpiosim.ko" ] || [ ! -f "$CACHE/i2c-stub.ko" ]; then
    log "cross-building gpio-sim.ko and i2c-stub.ko for $GUEST_KVER (once; cached in $CACHE)"
    build_modules "$pkgs/usr/src/linux-headers-$GUEST_KVER" "$CACHE" CROSS_COMPILE=aarch64-linux-gnu-
  fi
  MODROOT="$pkgs" KERNEL="$pkgs/boot/vmlinuz-$GUEST_KVER" BUSYBOX="$pkgs/bin/busybox"
fi

if [ "$publish" = 1 ]; then RID=$RID bash "$REPO/scripts/publish.sh"; fi
BIN_DIR="$ARTIFACTS/edgecam/$RID"
[ -x "$BIN_DIR/edgecam" ] || die "$BIN_DIR/edgecam missing: run RID=$RID scripts/publish.sh"
MODEL_DIR="$EDGECAM_CACHE/models/blazeface"
[ -f "$MODEL_DIR/face_detection_front_128x128.onnx" ] || die "BlazeFace model missing in $MODEL_DIR: run scripts/setup.sh"

# The initramfs: busybox, edgecam and the libraries ldd names, the model, the modules with their
# dependencies (a modules.dep made by depmod for this subset, so busybox modprobe works), the init.
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,hil,lib64,usr/bin}
cp "$BUSYBOX" "$root/bin/busybox"
if [ "$arch" = x86_64 ]; then
  copy_with_libs() { # copy_with_libs FILE DESTDIR: the file plus every shared library ldd names, at their own paths
    cp "$1" "$root/$2/"
    ldd "$1" | grep -oE '/[^ ]+' | while read -r lib; do
      [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
    done
  }
  copy_with_libs /usr/sbin/i2cset usr/bin
  copy_with_libs /usr/sbin/i2cget usr/bin
  copy_with_libs /usr/bin/v4l2-ctl usr/bin
else
  # No ldd for foreign binaries: follow DT_NEEDED through the cross libc and Debian's arm64
  # libraries into /lib/aarch64-linux-gnu (the dynamic loader at /lib, where the binaries look).
  libdirs=(/usr/aarch64-linux-gnu/lib "$MODROOT/usr/lib/aarch64-linux-gnu")
  copy_with_libs() {
    cp "$1" "$root/$2/"
    local queue=("$1") file lib dir
    while [ ${#queue[@]} -gt 0 ]; do
      file=${queue[0]}; queue=("${queue[@]:1}")
      for lib in $(aarch64-linux-gnu-readelf -d "$file" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
        [ -e "$root/lib/aarch64-linux-gnu/$lib" ] || [ -e "$root/hil/$lib" ] && continue
        for dir in "${libdirs[@]}"; do
          [ -e "$dir/$lib" ] || continue
          mkdir -p "$root/lib/aarch64-linux-gnu"; cp -L "$dir/$lib" "$root/lib/aarch64-linux-gnu/$lib"
          queue+=("$dir/$lib"); continue 2
        done
        die "$lib (needed by $file) not found for arm64"
      done
    done
  }
  mkdir -p "$root/lib"; cp -L /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 "$root/lib/"
  ln -s /bin/busybox "$root/usr/bin/i2cset"; ln -s /bin/busybox "$root/usr/bin/i2cget"
  copy_with_libs "$MODROOT/usr/bin/v4l2-ctl" usr/bin
fi
copy_with_libs "$BIN_DIR/edgecam" hil
copy_with_libs "$BIN_DIR/libonnxruntime.so.1" hil
cp "$MODEL_DIR"/face_detection_front_128x128.{onnx,card.json} "$root/hil/"
cp "$REPO"/tests/hil/*.json "$root/hil/"
install -m 0755 "$REPO/tests/hil/guest-init.sh" "$root/init"
mods="$root/lib/modules/$GUEST_KVER"
mkdir -p "$mods/extra"
for m in vivid i2c-dev configfs $([ "$arch" = x86_64 ] && echo i2c-stub); do
  modprobe -d "$MODROOT" --show-depends -S "$GUEST_KVER" "$m" | awk '$1 == "insmod" { print $2 }' | while read -r ko; do
    dest="$root${ko#"${MODROOT%/}"}"
    mkdir -p "$(dirname "$dest")"; cp "$ko" "$dest"
  done
done
cp "$CACHE"/*.ko "$mods/extra/"
cp "$MODROOT/lib/modules/$GUEST_KVER"/modules.{order,builtin,builtin.modinfo} "$mods/" 2>/dev/null || true
depmod -b "$root" "$GUEST_KVER"
initrd="$ARTIFACTS/$PREFIX-initrd.cpio.gz"
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
if [ "$arch" = x86_64 ]; then
  case "${EDGECAM_HIL_ACCEL:-auto}" in
    kvm) accel=(-enable-kvm -cpu host) ;;
    tcg) accel=(-accel tcg -cpu max) ;;
    *) if kvm_works; then accel=(-enable-kvm -cpu host); else accel=(-accel tcg -cpu max); fi ;;
  esac
  qemu=(qemu-system-x86_64 "${accel[@]}") tty=ttyS0
else
  qemu=(qemu-system-aarch64 -M virt -cpu cortex-a72 -accel tcg,thread=multi) tty=ttyAMA0
fi
log "emulator: ${qemu[*]}"
console="$ARTIFACTS/$PREFIX-console.txt"
boot=$(date +%s)
timeout 600 "${qemu[@]}" -m 1536 -smp 2 -nographic -no-reboot -nodefaults -serial stdio \
  -kernel "$KERNEL" -initrd "$initrd" \
  -append "console=$tty panic=-1 loglevel=4 rdinit=/init" </dev/null >"$console" 2>&1 || log "qemu exited with $? (see $console)"
log "guest ran $(( $(date +%s) - boot )) s; whole stage $(( $(date +%s) - start )) s"

# Result lines may follow a child's partial line on the shared console (a SIGKILLed edgecam run
# cannot finish its last line), so they are found anywhere in a line.
results=$(tr -d '\r' <"$console" | grep -aoE 'hil: (PASS|FAIL|SKIP) .*' || true)
[ -n "$results" ] && sed "s/^hil: /$PREFIX: /" <<<"$results"
passed=0; failed=0
for check in "${EXPECTED_CHECKS[@]}"; do
  line=$(grep -E "^hil: (PASS|FAIL) $check( |$)" <<<"$results" | tail -n 1 || true)
  case "$line" in
    "hil: PASS "*) passed=$((passed + 1)) ;;
    "hil: FAIL "*) failed=$((failed + 1)) ;;
    *) echo "$PREFIX: FAIL $check never reported (see $console)"; failed=$((failed + 1)) ;;
  esac
done
echo "$PREFIX: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
