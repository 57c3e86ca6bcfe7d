#!/bin/busybox sh
# PID 1 of the hardware-in-the-loop guest (scripts/hil.sh builds the initramfs around it): brings
# up the emulated devices, runs `edgecam selftest --hil`, prints its "hil: ..." lines on the
# serial console and powers off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/hil LD_LIBRARY_PATH=/hil HOME=/tmp TMPDIR=/tmp DOTNET_gcServer=0
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev; mount -t tmpfs tmpfs /tmp
say() { echo "hil-guest: $*"; }
# scripts/hil.sh's KVM probe boots this initramfs only to see that the guest runs at all.
if grep -q 'hil.probe' /proc/cmdline; then say "kvm probe ok"; poweroff -f; fi
fail_all() { echo "hil: FAIL guest-setup $*"; poweroff -f; }
KVER=$(uname -r)

# V4L2: vivid as one webcam-like capture device (YUYV by default, 75% colour bars).
VIVID_ARGS="n_devs=1 node_types=0x1 num_inputs=1 input_types=0x0"
modprobe vivid $VIVID_ARGS || fail_all "modprobe vivid"

# GPIO: gpio-sim (built out of tree by scripts/hil.sh) with one 8-line bank, configured through configfs.
modprobe configfs; mount -t configfs none /sys/kernel/config
insmod /lib/modules/$KVER/extra/gpiosim.ko || fail_all "insmod gpiosim.ko"
mkdir -p /sys/kernel/config/gpio-sim/hil/bank0
echo 8 > /sys/kernel/config/gpio-sim/hil/bank0/num_lines
echo hil-bank > /sys/kernel/config/gpio-sim/hil/bank0/label
mkdir -p /sys/kernel/config/gpio-sim/hil/bank0/line3
echo door > /sys/kernel/config/gpio-sim/hil/bank0/line3/name  # the run finds this line by name
echo 1 > /sys/kernel/config/gpio-sim/hil/live || fail_all "gpio-sim did not go live"
SIM=$(ls -d /sys/devices/platform/gpio-sim.*/gpiochip*/ | head -n 1)
[ -n "$SIM" ] || fail_all "no gpio-sim chip in sysfs"
say "gpio-sim chip at $SIM: $(ls /dev/gpiochip*)"

# I2C: i2c-stub at 0x76 seeded as a BME280: chip id, the calibration words of the datasheet's
# example (temperature/pressure from Bosch's BMP280 datasheet, humidity typical values) and raw readings.
modprobe i2c-dev; modprobe i2c-stub chip_addr=0x76 || fail_all "modprobe i2c-stub"
BUS=""
for n in /sys/class/i2c-dev/i2c-*; do grep -q "SMBus stub driver" "$n/name" && BUS=${n##*/}; done
[ -n "$BUS" ] || fail_all "no i2c-stub bus"
seed() { reg=$(($1)); shift; for v in "$@"; do /usr/bin/i2cset -y "${BUS#i2c-}" 0x76 "$(printf 0x%02x $reg)" "$v" b || fail_all "i2cset $reg"; reg=$((reg + 1)); done; }
seed 0xD0 0x60
seed 0x88 0x70 0x6b 0x43 0x67 0x18 0xfc 0x7d 0x8e 0x43 0xd6 0xd0 0x0b 0x27 0x0b 0x8c 0x00 0xf9 0xff 0x8c 0x3c 0xf8 0xc6 0x70 0x17 0x00 0x4b
seed 0xE1 0x6a 0x01 0x00 0x13 0x29 0x03 0x1e
seed 0xF7 0x65 0x5a 0xc0 0x7e 0xed 0x00 0x75 0x30
say "BME280 seeded on /dev/$BUS at 0x76"

sed -e "s|@SIM@|${SIM%/}|g" -e "s|@BUS@|/dev/$BUS|g" -e "s|@VIVID_ARGS@|$VIVID_ARGS|g" /hil/wiring-qemu.json > /tmp/wiring.json
edgecam camera list
edgecam gpio list
edgecam selftest --hil --wiring /tmp/wiring.json
say "selftest exit $?"
poweroff -f
