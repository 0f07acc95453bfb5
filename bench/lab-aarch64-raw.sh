#!/usr/bin/env bash
# The aarch64 lab's steps without vmlaunch, as a yardstick for `./vmlaunch lab --arch aarch64` (README has both
# numbers): boot the same TCG virt lab host at EL2 (SMMUv3, GICv3 ITS, 2 x e1000e, the arm64 lab root read-only over
# 9p), then in plain busybox sh inside it: bind both NICs to vfio-pci with the sysfs writes, start two nested
# `qemu-system-aarch64 -accel kvm -cpu host` guests, each pinned to a lab-host CPU of its own with one NIC through
# vfio-pci, ping through each NIC, check its ITS-MSI vectors fired, give the NICs back to e1000e.
#   bench/lab-aarch64-raw.sh ROOT      one timed run; prints PASS/FAIL and the seconds
#   hyperfine -N --runs 2 'bench/lab-aarch64-raw.sh ROOT' 'env VMLAUNCH_STATE=/tmp/s ./vmlaunch lab --arch aarch64'
# ROOT is the arm64 lab root `vmlaunch lab --arch aarch64` assembled (its first progress line names it:
# ~/.cache/vmlaunch/lab-root/aarch64/KEY/root). Needs qemu-system-aarch64 and test-images/out/aarch64. Nothing is
# asserted about time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
images=$here/test-images/out/aarch64
root=${1:?usage: bench/lab-aarch64-raw.sh ROOT (the arm64 lab root folder)}
[ -x "$root/usr/bin/qemu-system-aarch64" ] || { echo "lab-aarch64-raw: $root is no arm64 lab root" >&2; exit 2; }
[ -f "$images/Image" ] && [ -f "$images/initramfs.gz" ] || { echo "lab-aarch64-raw: build the images: test-images/build aarch64" >&2; exit 2; }
work=$(mktemp -d /tmp/lab-aarch64-raw.XXXXXX)
trap 'rm -rf "$work"' EXIT

# What the lab host runs, chrooted into the arm64 root: busybox has no applet links there, so it makes its own.
cat >"$work/inside.sh" <<'INSIDE'
#!/bin/sh
mkdir -p /tmp/bb && /bin/busybox --install -s /tmp/bb
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:/tmp/bb
out=/mnt/bench/result
nics=$(for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x10d3 ] && basename "$d"; done)
[ -e /dev/kvm ] || { echo "FAIL no /dev/kvm" >"$out"; exit 1; }
for b in $nics; do
    d=/sys/bus/pci/devices/$b
    echo vfio-pci >"$d/driver_override"
    [ -e "$d/driver" ] && echo "$b" >"$d/driver/unbind"
    echo "$b" >/sys/bus/pci/drivers_probe
done
share=/run/raw-share
i=0 pids=
for b in $nics; do
    mkdir -p "$share/$i/.vmlaunch/virt$i"
    # The test image's init starts this agent: traffic through the NIC, /proc/interrupts before and after.
    cat >"$share/$i/.vmlaunch/virt$i/agent.sh" <<'AGENT'
cat /proc/interrupts >before
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && i=0 && while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done && ping -c 5 -A -W 3 10.0.2.2 >ping.txt 2>&1
cat /proc/interrupts >after
/sbin/vmlaunch-poweroff agent
AGENT
    taskset -c "$i" qemu-system-aarch64 -accel kvm -cpu host -M virt,gic-version=3,its=on -smp 1 -m 256 -nodefaults \
        -display none -no-reboot -serial "file:$share/$i/console.log" -kernel /mnt/images/Image \
        -initrd /mnt/images/initramfs.gz -append "console=ttyAMA0 quiet vmlaunch.name=virt$i vmlaunch.share=hostshare" \
        -fsdev "local,id=s,path=$share/$i,security_model=none" -device virtio-9p-pci,fsdev=s,mount_tag=hostshare \
        -device "vfio-pci,host=$b" &
    pids="$pids $!"
    i=$((i + 1))
done
status=PASS
for p in $pids; do wait "$p" || status=FAIL; done
i=0
for b in $nics; do
    # The rows of the passed-through e1000e's vectors (eth0-*) on the ITS: their counts must have grown.
    delta=$(awk '/ITS-MSI/ && /eth0/ { n = 0; for (f = 2; f <= NF && $f ~ /^[0-9]+$/; f++) n += $f
                         if (FNR == NR) before[$1] = n; else if (n > before[$1]) fired++ }
                 END { print fired + 0 }' "$share/$i/before" "$share/$i/after" 2>/dev/null || echo 0)
    [ "$delta" -ge 1 ] || status=FAIL
    echo "$b: $delta ITS-MSI vectors fired" >>"$out.log"
    d=/sys/bus/pci/devices/$b
    echo "$b" >/sys/bus/pci/drivers/vfio-pci/unbind
    echo >"$d/driver_override"
    echo "$b" >/sys/bus/pci/drivers_probe
    [ "$(basename "$(readlink "$d/driver")")" = e1000e ] || status=FAIL
    i=$((i + 1))
done
echo "$status" >"$out"
INSIDE
chmod +x "$work/inside.sh"

t0=$(date +%s.%N)
qemu-system-aarch64 -M virt,virtualization=on,gic-version=3,its=on,iommu=smmuv3 -cpu max -accel tcg,thread=multi \
    -smp 2 -m 3072 -nodefaults -display none -no-reboot \
    -serial "file:$work/console.log" -kernel "$images/Image" -initrd "$images/initramfs.gz" \
    -append "console=ttyAMA0 quiet vmlaunch.root=hostroot vmlaunch.9p=img:/mnt/images:ro,bench:/mnt/bench vmlaunch.exec=/mnt/bench/inside.sh" \
    -fsdev "local,id=r,path=$root,readonly=on,security_model=none,multidevs=remap" -device virtio-9p-pci,fsdev=r,mount_tag=hostroot \
    -fsdev "local,id=i,path=$images,readonly=on,security_model=none" -device virtio-9p-pci,fsdev=i,mount_tag=img \
    -fsdev "local,id=b,path=$work,security_model=none" -device virtio-9p-pci,fsdev=b,mount_tag=bench \
    -netdev user,id=n0 -device e1000e,netdev=n0,addr=0x5 -netdev user,id=n1 -device e1000e,netdev=n1,addr=0x6
t1=$(date +%s.%N)
result=$(cat "$work/result" 2>/dev/null || echo "FAIL (no result; console: $(tail -n 5 "$work/console.log" | tr '\n' ' '))")
cat "$work/result.log" 2>/dev/null || true
printf 'lab-aarch64-raw: %s in %.1f s\n' "$result" "$(echo "$t1 - $t0" | bc)"
[ "${result%% *}" = PASS ]
