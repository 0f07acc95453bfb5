#!/usr/bin/env bash
# The x86 lab's steps without vmlaunch, as a yardstick for `./vmlaunch lab` (README has both numbers): boot the same
# TCG lab host (q35, intel-iommu, 2 x e1000e, this machine's / read-only over 9p, kvm + kvm_amd loaded), then in plain
# busybox/sh inside it: bind both NICs to vfio-pci with the sysfs writes, start two nested `qemu -accel kvm` guests,
# each pinned to a lab-host CPU of its own and with kvm_amd.npt=0 (two nested KVM guests crash QEMU 7.2's SVM emulation
# otherwise) with one NIC
# through vfio-pci, ping through each NIC, check its MSI-X vectors fired, give the NICs back to e1000e; then, as the
# lab's detached flow, one more guest in the background with a NIC, checked over QMP, powered off, the NIC back.
#   bench/lab-raw.sh               one timed run; prints PASS/FAIL and the seconds
#   hyperfine -N --runs 3 bench/lab-raw.sh 'env VMLAUNCH_STATE=/tmp/s ./vmlaunch lab'
# Needs qemu-system-x86_64 and test-images/out/x86_64 (test-images/build x86_64). Nothing is asserted about time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
images=$here/test-images/out/x86_64
[ -f "$images/vmlinuz" ] && [ -f "$images/initramfs.gz" ] || { echo "lab-raw: build the images: test-images/build x86_64" >&2; exit 2; }
cpus=${LAB_CPUS:-2}
work=$(mktemp -d /tmp/lab-raw.XXXXXX)
trap 'rm -rf "$work"' EXIT

# What the lab host runs (chrooted into this machine's /, so bash, qemu and taskset are this machine's; it sees
# this folder as /mnt/bench, since its /tmp is a tmpfs of its own).
cat >"$work/inside.sh" <<'INSIDE'
#!/bin/bash
set -u
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
i=0 pids=()
for b in $nics; do
    mkdir -p "$share/$i/.vmlaunch/virt$i"
    # The test image's init starts this agent: traffic through the NIC, /proc/interrupts before and after.
    cat >"$share/$i/.vmlaunch/virt$i/agent.sh" <<'AGENT'
cat /proc/interrupts >before
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && sleep 2 && ping -c 5 -W 3 10.0.2.2 >ping.txt 2>&1
cat /proc/interrupts >after
/sbin/vmlaunch-poweroff agent
AGENT
    taskset -c "$i" qemu-system-x86_64 -accel kvm -cpu host -M q35 -smp 1 -m 256 -nodefaults -display none \
        -no-reboot -serial "file:$share/$i/console.log" -kernel /mnt/images/vmlinuz -initrd /mnt/images/initramfs.gz \
        -append "console=ttyS0 quiet vmlaunch.name=virt$i vmlaunch.share=hostshare" \
        -fsdev "local,id=s,path=$share/$i,security_model=none" -device virtio-9p-pci,fsdev=s,mount_tag=hostshare \
        -device "vfio-pci,host=$b" &
    pids+=($!)
    i=$((i + 1))
done
status=PASS
for p in "${pids[@]}"; do wait "$p" || status=FAIL; done
i=0
for b in $nics; do
    # The rows of the passed-through e1000e's vectors (eth0-*): their counts must have grown.
    delta=$(awk '/eth0/ { n = 0; for (f = 2; f <= NF && $f ~ /^[0-9]+$/; f++) n += $f
                         if (FNR == NR) before[$1] = n; else if (n > before[$1]) fired++ }
                 END { print fired + 0 }' "$share/$i/before" "$share/$i/after" 2>/dev/null || echo 0)
    [ "$delta" -ge 1 ] || status=FAIL
    echo "$b: $delta vectors fired" >>"$out.log"
    d=/sys/bus/pci/devices/$b
    echo "$b" >/sys/bus/pci/drivers/vfio-pci/unbind
    echo >"$d/driver_override"
    echo "$b" >/sys/bus/pci/drivers_probe
    [ "$(basename "$(readlink "$d/driver")")" = e1000e ] || status=FAIL
    i=$((i + 1))
done
# The detached flow `vmlaunch lab` runs after its harness (run -d, list, status, stop, the NIC back): one guest in the
# background with the first NIC through vfio-pci, on CPU 0 like vmlaunch's, checked running over its QMP socket,
# powered off by the power button once it is up (its ready line), the NIC given back to e1000e.
b=${nics%%[[:space:]]*}
d=/sys/bus/pci/devices/$b
echo vfio-pci >"$d/driver_override"
[ -e "$d/driver" ] && echo "$b" >"$d/driver/unbind"
echo "$b" >/sys/bus/pci/drivers_probe
taskset -c 0 qemu-system-x86_64 -accel kvm -cpu host -M q35 -smp 1 -m 256 -nodefaults -display none -no-reboot \
    -serial "file:$share/detached.log" -kernel /mnt/images/vmlinuz -initrd /mnt/images/initramfs.gz \
    -append "console=ttyS0 quiet" -qmp "unix:$share/qmp.sock,server=on,wait=off" -device "vfio-pci,host=$b" &
qpid=$!
/usr/bin/python3 - "$share/qmp.sock" "$share/detached.log" <<'QMP' || status=FAIL
import json, os, socket, sys, time
sock_path, console = sys.argv[1], sys.argv[2]
deadline = time.time() + 300
def wait(what, cond):
    while not cond():
        if time.time() > deadline:
            sys.exit("detached: timed out waiting for " + what)
        time.sleep(0.2)
def connect():
    global s
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock_path)
        return True
    except OSError:
        return False
wait("the QMP socket", connect)
f = s.makefile("rw")
f.readline()
def cmd(name):
    f.write(json.dumps({"execute": name}) + "\n")
    f.flush()
    while True:
        reply = json.loads(f.readline())
        if "return" in reply or "error" in reply:
            return reply
cmd("qmp_capabilities")
if cmd("query-status").get("return", {}).get("status") != "running":
    sys.exit("detached: the guest is not running")
def ready():
    try:
        with open(console, "rb") as c:
            return b"vmlaunch: guest ready" in c.read()
    except OSError:
        return False
wait("the guest's ready line", ready)
cmd("system_powerdown")
QMP
wait "$qpid" || status=FAIL
echo "$b" >/sys/bus/pci/drivers/vfio-pci/unbind
echo >"$d/driver_override"
echo "$b" >/sys/bus/pci/drivers_probe
[ "$(basename "$(readlink "$d/driver")")" = e1000e ] || status=FAIL
echo "$b: detached guest ran, powered off, NIC back on $(basename "$(readlink "$d/driver")")" >>"$out.log"
echo "$status" >"$out"
INSIDE
chmod +x "$work/inside.sh"

t0=$(date +%s.%N)
qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "$cpus" -m 4096 -M q35,kernel-irqchip=split \
    -device intel-iommu,intremap=on,caching-mode=on -nodefaults -display none -no-reboot \
    -serial "file:$work/console.log" -kernel "$images/vmlinuz" -initrd "$images/initramfs.gz" \
    -append "console=ttyS0 intel_iommu=on quiet no_timer_check vmlaunch.modules=kvm kvm_amd.npt=0 vmlaunch.root=hostroot vmlaunch.9p=img:/mnt/images,bench:/mnt/bench vmlaunch.exec=/mnt/bench/inside.sh" \
    -fsdev local,id=r,path=/,readonly=on,security_model=none,multidevs=remap -device virtio-9p-pci,fsdev=r,mount_tag=hostroot \
    -fsdev "local,id=i,path=$images,readonly=on,security_model=none" -device virtio-9p-pci,fsdev=i,mount_tag=img \
    -fsdev "local,id=b,path=$work,security_model=none" -device virtio-9p-pci,fsdev=b,mount_tag=bench \
    -netdev user,id=n0 -device e1000e,netdev=n0,addr=0x5 -netdev user,id=n1 -device e1000e,netdev=n1,addr=0x6
t1=$(date +%s.%N)
result=$(cat "$work/result" 2>/dev/null || echo "FAIL (no result; console: $(tail -n 5 "$work/console.log" | tr '\n' ' '))")
cat "$work/result.log" 2>/dev/null || true
printf 'lab-raw: %s in %.1f s (lab host -smp %s)\n' "$result" "$(echo "$t1 - $t0" | bc)" "$cpus"
[ "${result%% *}" = PASS ]
