#!/usr/bin/env bash
# The x86 lab's steps without vmlaunch, as a yardstick for `./vmlaunch lab` (README has both numbers and says what each
# flow does): boot the same TCG lab host (q35, intel-iommu, 2 x e1000e, this machine's / read-only over 9p, kvm +
# kvm_amd loaded with npt=0), then in plain shell inside it:
#   1. the reads behind `host check` and `groups` (CPU flag, /dev/kvm, IOMMU, remapped interrupts, vfio modules,
#      memlock, hugepages; every IOMMU group's devices and drivers);
#   2. both NICs to vfio-pci with the sysfs writes, the reads behind `host check` / `check` with them bound (reset
#      method, BARs, /proc/iomem, the IOMMU's IR bit, NUMA), back to e1000e (vmlaunch's `vfio-probe` ioctls have no
#      shell equivalent and are not done);
#   3. two nested `qemu -accel kvm` guests, each pinned to a lab-host CPU of its own (two nested KVM guests crash QEMU
#      7.2's SVM emulation otherwise) with one NIC through vfio-pci (bound before, given back after), the lab's
#      workload through each NIC, its MSI-X vectors checked;
#   4. the lab's detached flow: one guest in the background on CPU 0 with the first NIC, checked running over its QMP
#      socket; once it is up the hotplug cycle: second NIC to vfio-pci, QMP device_add into the reserved
#      pcie-root-port, the lab's hotplug workload through it, its vectors checked, device_del and DEVICE_DELETED, the
#      NIC back to e1000e; then system_powerdown and the first NIC back.
#   bench/lab-raw.sh               one timed run; prints PASS/FAIL and the seconds
#   hyperfine -N --runs 2 bench/lab-raw.sh 'env VMLAUNCH_STATE=/tmp/lab-bench ./vmlaunch lab'
# The workloads are LabPlan.WORKLOAD and LabPlan.hotplugWorkload word for word (LabPlanTest checks it).
# Needs qemu-system-x86_64, python3 and test-images/out/x86_64 (test-images/build x86_64). Nothing is asserted about
# time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
images=$here/test-images/out/x86_64
[ -f "$images/vmlinux" ] && [ -f "$images/initramfs.gz" ] || { echo "lab-raw: build the images: test-images/build x86_64" >&2; exit 2; }
cpus=${LAB_CPUS:-2}
work=$(mktemp -d /tmp/lab-raw.XXXXXX)
trap 'rm -rf "$work"' EXIT

# What the lab host runs (chrooted into this machine's /, so bash, qemu, python3 and taskset are this machine's; it
# sees this folder as /mnt/bench, since its /tmp is a tmpfs of its own).
cat >"$work/inside.sh" <<'INSIDE'
#!/bin/bash
set -u
out=/mnt/bench/result
log=/mnt/bench/result.log
diag=/mnt/bench/diagnosis.txt
status=PASS
fail() { echo "FAIL: $*" >>"$log"; status=FAIL; }
nics=$(for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x10d3 ] && basename "$d"; done)
to_vfio() {
    local d=/sys/bus/pci/devices/$1
    echo vfio-pci >"$d/driver_override"
    [ -e "$d/driver" ] && echo "$1" >"$d/driver/unbind"
    echo "$1" >/sys/bus/pci/drivers_probe
}
to_e1000e() {
    local d=/sys/bus/pci/devices/$1
    echo "$1" >/sys/bus/pci/drivers/vfio-pci/unbind
    echo >"$d/driver_override"
    echo "$1" >/sys/bus/pci/drivers_probe
    [ "$(basename "$(readlink "$d/driver")")" = e1000e ] || fail "$1 is not on e1000e again"
}
# The hot-added NIC's vectors that moved (rows named after its interface), from two /proc/interrupts snapshots.
fired() {
    awk -v nic="$1" '$0 ~ nic { n = 0; for (f = 2; f <= NF && $f ~ /^[0-9]+$/; f++) n += $f
                         if (FNR == NR) before[$1] = n; else if (n > before[$1]) fired++ }
                 END { print fired + 0 }' "$2" "$3" 2>/dev/null || echo 0
}
[ -e /dev/kvm ] || { echo "FAIL no /dev/kvm" >"$out"; exit 1; }

# 1. What `host check` and `groups` read.
{
    grep -m1 -ow svm /proc/cpuinfo
    [ -r /dev/kvm ] && [ -w /dev/kvm ] && echo "/dev/kvm read-write"
    ls /sys/class/iommu
    echo "remapped rows: $(grep -c IR- /proc/interrupts)"
    cat /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
    grep -E '^vfio(_iommu_type1|_pci)? ' /proc/modules
    [ -e /dev/vfio/vfio ] && echo /dev/vfio/vfio
    grep -i locked /proc/self/limits
    cat /sys/module/vfio_iommu_type1/parameters/dma_entry_limit
    grep -i huge /proc/meminfo
    for g in /sys/kernel/iommu_groups/*; do
        for d in "$g"/devices/*; do
            echo "group ${g##*/} ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") $(cat "$d/class") driver: $(basename "$(readlink "$d/driver" 2>/dev/null || echo none)")"
        done
    done
} >"$diag" 2>&1 || fail "the host reads"

# 2. Both NICs on vfio-pci, what `host check` and `check` read about them, back to e1000e.
for b in $nics; do to_vfio "$b"; done
for b in $nics; do
    d=/sys/bus/pci/devices/$b
    {
        echo "$b: group $(basename "$(readlink "$d/iommu_group")") viable: $(ls "$d/iommu_group/devices" | wc -l) device(s), driver $(basename "$(readlink "$d/driver")")"
        cat "$d/reset_method" "$d/resource" "$d/numa_node" "$d/local_cpulist"
        head -c 64 "$d/config" | od -An -tx1 | head -n 1
        [ -c "/dev/vfio/$(basename "$(readlink "$d/iommu_group")")" ] && echo "/dev/vfio group node"
    } >>"$diag" 2>&1 || fail "the reads of $b"
done
{ grep -c . /proc/iomem; cat /sys/class/iommu/dmar0/intel-iommu/ecap; } >>"$diag" 2>&1
for b in $nics; do to_e1000e "$b"; done

# 3. Two pinned nested guests, one NIC each, the workload through it.
share=/run/raw-share
i=0 pids=()
for b in $nics; do
    mkdir -p "$share/$i/.vmlaunch/virt$i"
    to_vfio "$b"
    # The test image's init starts this agent: traffic through the NIC, /proc/interrupts before and after.
    cat >"$share/$i/.vmlaunch/virt$i/agent.sh" <<'AGENT'
cat /proc/interrupts >before
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && i=0 && while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done && ping -c 5 -A -W 3 10.0.2.2 >ping.txt 2>&1
cat /proc/interrupts >after
/sbin/vmlaunch-poweroff agent
AGENT
    taskset -c "$i" qemu-system-x86_64 -accel kvm -cpu host -M q35 -smp 1 -m 256 -nodefaults -display none \
        -no-reboot -serial "file:$share/$i/console.log" -kernel /mnt/images/vmlinux -initrd /mnt/images/initramfs.gz \
        -append "console=ttyS0 quiet vmlaunch.name=virt$i vmlaunch.share=hostshare" \
        -fsdev "local,id=s,path=$share/$i,security_model=none" -device virtio-9p-pci,fsdev=s,mount_tag=hostshare \
        -device pcie-root-port,id=rp0,chassis=1 -device "vfio-pci,host=$b,bus=rp0" &
    pids+=($!)
    i=$((i + 1))
done
for p in "${pids[@]}"; do wait "$p" || fail "a nested guest's qemu failed"; done
i=0
for b in $nics; do
    n=$(fired eth0 "$share/$i/before" "$share/$i/after")
    [ "$n" -ge 1 ] || fail "$b: no vector fired"
    echo "$b: $n vectors fired" >>"$log"
    to_e1000e "$b"
    i=$((i + 1))
done

# 4. The detached flow with its hotplug cycle: one guest in the background with the first NIC, on CPU 0 like
# vmlaunch's, a reserved pcie-root-port for the second; its agent waits for the hot-added NIC (guest 0000:02:00.0,
# behind the second root port) and runs the lab's hotplug workload through it.
b=${nics%%[[:space:]]*}
hot=${nics##*[[:space:]]}
ds=$share/detached
mkdir -p "$ds/.vmlaunch/detached"
cat >"$ds/.vmlaunch/detached/agent.sh" <<'AGENT'
cat /proc/interrupts >before
(i=0; while [ ! -d /sys/bus/pci/devices/0000:02:00.0/net ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; n=$(ls /sys/bus/pci/devices/0000:02:00.0/net) && ip link set $n up && ip addr add 10.0.2.15/24 dev $n && i=0 && while [ "$(cat /sys/class/net/$n/carrier 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done && ping -c 5 -A -W 3 10.0.2.2) >ping.txt 2>&1
echo $? >rc
cat /proc/interrupts >after
ls /sys/bus/pci/devices/0000:02:00.0/net >iface
touch done
AGENT
to_vfio "$b"
taskset -c 0 qemu-system-x86_64 -accel kvm -cpu host -M q35 -smp 1 -m 256 -nodefaults -display none -no-reboot \
    -serial "file:$ds/console.log" -kernel /mnt/images/vmlinux -initrd /mnt/images/initramfs.gz \
    -append "console=ttyS0 quiet vmlaunch.name=detached vmlaunch.share=hostshare" \
    -fsdev "local,id=s,path=$ds,security_model=none" -device virtio-9p-pci,fsdev=s,mount_tag=hostshare \
    -qmp "unix:$share/qmp.sock,server=on,wait=off" \
    -device pcie-root-port,id=rp0,chassis=1 -device "vfio-pci,host=$b,bus=rp0" \
    -device pcie-root-port,id=hp0,chassis=2 &
qpid=$!
/usr/bin/python3 - "$share/qmp.sock" "$ds" "$hot" <<'QMP' || fail "the detached flow"
import json, os, socket, sys, time
sock_path, share, hot = sys.argv[1:4]
deadline = time.time() + 300
def wait(what, cond):
    while not cond():
        if time.time() > deadline:
            sys.exit("detached: timed out waiting for " + what)
        time.sleep(0.1)
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
events = []
def cmd(name, **args):
    f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
    f.flush()
    while True:
        reply = json.loads(f.readline())
        if "event" in reply:
            events.append(reply)
        elif "return" in reply:
            return reply["return"]
        else:
            sys.exit("detached: %s: %s" % (name, reply))
def event(name, device):
    def seen():
        if any(e["event"] == name and e.get("data", {}).get("device") == device for e in events):
            return True
        s.settimeout(max(0.1, deadline - time.time()))
        events.append(json.loads(f.readline()))
        return False
    wait(name, seen)
def sysfs(path, value):
    with open(path, "w") as w:
        w.write(value)
cmd("qmp_capabilities")
if cmd("query-status").get("status") != "running":
    sys.exit("detached: the guest is not running")
def ready():
    try:
        with open(share + "/console.log", "rb") as c:
            return b"vmlaunch: guest ready" in c.read()
    except OSError:
        return False
wait("the guest's ready line", ready)
# The hotplug cycle: the second NIC to vfio-pci, into the reserved root port, the agent's workload, out again.
dev = "/sys/bus/pci/devices/" + hot
sysfs(dev + "/driver_override", "vfio-pci")
if os.path.exists(dev + "/driver"):
    sysfs(dev + "/driver/unbind", hot)
sysfs("/sys/bus/pci/drivers_probe", hot)
cmd("device_add", driver="vfio-pci", host=hot, id="hot0", bus="hp0")
wait("the hotplug workload", lambda: os.path.exists(share + "/done"))
with open(share + "/rc") as r:
    if r.read().strip() != "0":
        sys.exit("detached: the hotplug workload failed")
cmd("device_del", id="hot0")
event("DEVICE_DELETED", "hot0")
sysfs("/sys/bus/pci/drivers/vfio-pci/unbind", hot)
sysfs(dev + "/driver_override", "\n")
sysfs("/sys/bus/pci/drivers_probe", hot)
cmd("system_powerdown")
QMP
wait "$qpid" || fail "the detached guest's qemu failed"
n=$(fired "$(cat "$ds/iface" 2>/dev/null || echo none)" "$ds/before" "$ds/after")
[ "$n" -ge 1 ] || fail "$hot: no vector fired after the hotplug"
[ "$(basename "$(readlink "/sys/bus/pci/devices/$hot/driver")")" = e1000e ] || fail "$hot is not on e1000e again"
to_e1000e "$b"
echo "$b: detached guest ran, powered off, NIC back on $(basename "$(readlink "/sys/bus/pci/devices/$b/driver")"); $hot hot-added, $n vectors fired, removed, back on $(basename "$(readlink "/sys/bus/pci/devices/$hot/driver")")" >>"$log"
echo "$status" >"$out"
INSIDE
chmod +x "$work/inside.sh"

t0=$(date +%s.%N)
qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "$cpus" -m 4096 -M q35,kernel-irqchip=split \
    -device intel-iommu,intremap=on,caching-mode=on -nodefaults -display none -no-reboot \
    -serial "file:$work/console.log" -kernel "$images/vmlinux" -initrd "$images/initramfs.gz" \
    -append "console=ttyS0 intel_iommu=on quiet no_timer_check vmlaunch.modules=kvm kvm_amd.npt=0 vmlaunch.root=hostroot vmlaunch.9p=img:/mnt/images:ro,bench:/mnt/bench vmlaunch.exec=/mnt/bench/inside.sh" \
    -fsdev local,id=r,path=/,readonly=on,security_model=none,multidevs=remap -device virtio-9p-pci,fsdev=r,mount_tag=hostroot \
    -fsdev "local,id=i,path=$images,readonly=on,security_model=none" -device virtio-9p-pci,fsdev=i,mount_tag=img \
    -fsdev "local,id=b,path=$work,security_model=none" -device virtio-9p-pci,fsdev=b,mount_tag=bench \
    -netdev user,id=n0 -device e1000e,netdev=n0,addr=0x5 -netdev user,id=n1 -device e1000e,netdev=n1,addr=0x6
t1=$(date +%s.%N)
result=$(cat "$work/result" 2>/dev/null || echo "FAIL (no result; console: $(tail -n 5 "$work/console.log" | tr '\n' ' '))")
cat "$work/result.log" 2>/dev/null || true
printf 'lab-raw: %s in %.1f s (lab host -smp %s)\n' "$result" "$(echo "$t1 - $t0" | bc)" "$cpus"
[ "${result%% *}" = PASS ]
