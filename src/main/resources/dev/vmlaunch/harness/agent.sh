# vmlaunch guest agent (POSIX sh; runs under busybox). Started by the guest's init with the 9p share as the
# working directory and this file as $0: .vmlaunch/NAME/agent.sh. Everything is plain files in the share, so it
# works the same under lkvm and qemu, and guests sharing one folder each keep to their own .vmlaunch/NAME/.
#
#   announce           written once at start (then atomically renamed): kernel, arch, cpus, PCI devices, mac
#   cmd/N.sh           written by the host (atomically), N = 1, 2, ...; run in order, cwd = the share
#   res/N/             interrupts.before, msi.before, output, interrupts.after, msi.after, then exit (last):
#                      code=N and each file's SHA-256, then mac
#   stop               written by the host: the agent exits
# Every guest that mounts the folder can write every file in it, so announce and exit end with
# "mac=SHA-256(body + token + newline)": the token is this run's secret for this guest, on its kernel command line
# only (vmlaunch.token=; VMLAUNCH_TOKEN overrides it for tests), and the host accepts only what it signed.
# VMLAUNCH_SYSROOT (tests only, like VMLAUNCH_TOKEN) puts a fake /proc and /sys under a folder; a guest has none.
sysroot=${VMLAUNCH_SYSROOT:-}
dir=${0%/agent.sh}
cmd=$dir/cmd
res=$dir/res
mkdir -p "$cmd" "$res"

token=${VMLAUNCH_TOKEN:-}
if [ -z "$token" ]; then
    set -f
    for w in $(cat "$sysroot/proc/cmdline"); do
        case $w in vmlaunch.token=*) token=${w#vmlaunch.token=} ;; esac
    done
    set +f
fi
[ -n "$token" ] || echo "vmlaunch-agent: no vmlaunch.token on the kernel command line; the host will refuse my files"

sha() { sha256sum | cut -d' ' -f1; }
# Appends the mac line to file $1.
sign() {
    m=$({ cat "$1"; echo "$token"; } | sha) && echo "mac=$m" >>"$1"
}

# One line per PCI device that has MSI/MSI-X vectors: "BDF irq irq ...".
msi_snapshot() {
    for d in "$sysroot"/sys/bus/pci/devices/*; do
        [ -d "$d/msi_irqs" ] || continue
        irqs=$(ls "$d/msi_irqs" 2>/dev/null | sort -n | tr '\n' ' ')
        echo "${d##*/} ${irqs% }"
    done
}

announce() {
    tmp=$dir/announce.tmp
    {
        echo "version=2"
        echo "kernel=$(uname -r)"
        echo "arch=$(uname -m)"
        echo "cpus=$(grep -c '^processor' "$sysroot/proc/cpuinfo")"
        for d in "$sysroot"/sys/bus/pci/devices/*; do
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
    } >"$tmp" && sign "$tmp" && mv "$tmp" "$dir/announce"
}

announce
echo "vmlaunch-agent: ready in $(pwd)/$dir"
n=1
while [ ! -e "$dir/stop" ]; do
    if [ -f "$cmd/$n.sh" ]; then
        r=$res/$n
        mkdir -p "$r"
        cat "$sysroot/proc/interrupts" >"$r/interrupts.before"
        msi_snapshot >"$r/msi.before"
        sh "$cmd/$n.sh" >"$r/output" 2>&1 </dev/null
        code=$?
        cat "$sysroot/proc/interrupts" >"$r/interrupts.after"
        msi_snapshot >"$r/msi.after"
        {
            echo "code=$code"
            for f in output interrupts.before interrupts.after msi.before msi.after; do
                echo "$f=$(sha <"$r/$f")"
            done
        } >"$r/exit.tmp" && sign "$r/exit.tmp" && mv "$r/exit.tmp" "$r/exit"
        echo "vmlaunch-agent: command $n exited with $code"
        n=$((n + 1))
    else
        sleep 0.2 2>/dev/null || sleep 1
    fi
done
echo "vmlaunch-agent: stopped"
