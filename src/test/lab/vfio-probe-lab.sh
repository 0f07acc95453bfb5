#!/bin/sh
# Runs the real VFIO probe (vmlaunch vfio-probe, i.e. JnrVfioProbe's ioctls) inside a TCG q35 guest with
# intel-iommu, where an emulated e1000e is bound to vfio-pci. The guest's root is this host's / over 9p
# (read-only), so the guest runs this same script (mode "guest") and the host's JVM and jar.
#
#   src/test/lab/vfio-probe-lab.sh [on|off]    on (default): intel-iommu,intremap=on; off: no interrupt remapping
#   VMLAUNCH_IMAGES=dir with vmlinuz and initramfs.gz (default test-images/out/x86_64); build the jar first
#   (mvn -o package -DskipTests).
set -eu

if [ "${1:-}" = guest ]; then
    jar=$2
    java() { /usr/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar" "$@"; echo "exit status $?"; }
    bdf=
    for d in /sys/bus/pci/devices/*; do
        [ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x10d3 ] && bdf=${d##*/}
    done
    [ -n "$bdf" ] || { echo "lab: no e1000e found"; exit 1; }
    group=$(basename "$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")")
    echo "lab: e1000e $bdf, IOMMU group $group: $(ls "/sys/kernel/iommu_groups/$group/devices"),"\
        "driver $(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")")"

    echo "lab: probe while e1000e still drives it"
    java vfio-probe "$group" "$bdf" || true

    echo vfio-pci >"/sys/bus/pci/devices/$bdf/driver_override"
    echo "$bdf" >"/sys/bus/pci/devices/$bdf/driver/unbind"
    echo "$bdf" >/sys/bus/pci/drivers_probe
    echo "lab: bound to $(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")"); $(ls -l "/dev/vfio/$group")"

    echo "lab: probe"
    java vfio-probe "$group" "$bdf" || true
    echo "lab: probe --json"
    java vfio-probe --json "$group" "$bdf" || true
    echo "lab: probe of a device that is not in group $group"
    java vfio-probe "$group" 0000:00:1f.0 || true

    echo "lab: probe while another process holds /dev/vfio/$group"
    (exec 3<>"/dev/vfio/$group"; exec sleep 600) &
    holder=$!
    sleep 1
    java vfio-probe "$group" "$bdf" || true
    kill "$holder"
    wait "$holder" 2>/dev/null || true

    echo "lab: probe again (the probes closed every fd, so the group is free)"
    java vfio-probe "$group" "$bdf" || true
    echo "lab: done"
    exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
images=${VMLAUNCH_IMAGES:-$root/test-images/out/x86_64}
jar=$root/target/vmlaunch.jar
intremap=${1:-on}
[ -f "$jar" ] || { echo "build $jar first: mvn -o package -DskipTests" >&2; exit 2; }
# intel-iommu precedes the device it translates; intremap=on needs kernel-irqchip=split.
exec timeout 900 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 4096 \
    -M q35,kernel-irqchip=split -device "intel-iommu,intremap=$intremap,caching-mode=on" \
    -nodefaults -display none -serial stdio -no-reboot \
    -kernel "$images/vmlinuz" -initrd "$images/initramfs.gz" \
    -append "console=ttyS0 intel_iommu=on vmlaunch.root=hostroot vmlaunch.exec=$here/vfio-probe-lab.sh -- guest $jar" \
    -device e1000e,netdev=n0 -netdev user,id=n0 \
    -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
