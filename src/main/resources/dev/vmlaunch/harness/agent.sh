# vmlaunch guest agent (POSIX sh; runs under busybox). Started by the guest's init with the 9p share as the
# working directory and this file as $0: .vmlaunch/NAME/agent.sh. Everything is plain files in the share, so it
# works the same under lkvm and qemu, and guests sharing one folder each keep to their own .vmlaunch/NAME/.
#
#   announce           written once at start (then atomically renamed): kernel, arch, cpus, PCI devices
#   cmd/N.sh           written by the host (atomically), N = 1, 2, ...; run in order, cwd = the share
#   res/N/             interrupts.before, msi.before, output, interrupts.after, msi.after, then exit (last)
#   stop               written by the host: the agent exits
dir=${0%/agent.sh}
cmd=$dir/cmd
res=$dir/res
mkdir -p "$cmd" "$res"

# One line per PCI device that has MSI/MSI-X vectors: "BDF irq irq ...".
msi_snapshot() {
    for d in /sys/bus/pci/devices/*; do
        [ -d "$d/msi_irqs" ] || continue
        irqs=$(ls "$d/msi_irqs" 2>/dev/null | sort -n | tr '\n' ' ')
        echo "${d##*/} ${irqs% }"
    done
}

announce() {
    tmp=$dir/announce.tmp
    {
        echo "version=1"
        echo "kernel=$(uname -r)"
        echo "arch=$(uname -m)"
        echo "cpus=$(grep -c '^processor' /proc/cpuinfo)"
        for d in /sys/bus/pci/devices/*; do
            [ -e "$d/vendor" ] || continue
            vendor=$(cat "$d/vendor")
            device=$(cat "$d/device")
            class=$(cat "$d/class")
            driver=-
            [ -e "$d/driver" ] && driver=$(basename "$(readlink "$d/driver")")
            msi=$(ls "$d/msi_irqs" 2>/dev/null | sort -n | tr '\n' ',')
            msi=${msi%,}
            echo "device=${d##*/} ${vendor#0x}:${device#0x} ${class#0x} $driver ${msi:--}"
        done
    } >"$tmp" && mv "$tmp" "$dir/announce"
}

announce
echo "vmlaunch-agent: ready in $(pwd)/$dir"
n=1
while [ ! -e "$dir/stop" ]; do
    if [ -f "$cmd/$n.sh" ]; then
        r=$res/$n
        mkdir -p "$r"
        cat /proc/interrupts >"$r/interrupts.before"
        msi_snapshot >"$r/msi.before"
        sh "$cmd/$n.sh" >"$r/output" 2>&1 </dev/null
        code=$?
        cat /proc/interrupts >"$r/interrupts.after"
        msi_snapshot >"$r/msi.after"
        echo "$code" >"$r/exit.tmp" && mv "$r/exit.tmp" "$r/exit"
        echo "vmlaunch-agent: command $n exited with $code"
        n=$((n + 1))
    else
        sleep 0.2 2>/dev/null || sleep 1
    fi
done
echo "vmlaunch-agent: stopped"
