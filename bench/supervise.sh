#!/usr/bin/env bash
# Supervision numbers on this machine: what `run -d` costs over starting qemu directly, how long stop takes, how
# fast a killed VMM is recorded, and what a supervisor costs in memory. Uses cheap "-machine none" QEMUs (the test
# wrapper) and, for the power-button stop, the x86_64 test image under TCG. Run from the project root:
#   bench/supervise.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
VMLAUNCH_STATE=$(mktemp -d /tmp/vml-bench.XXXXXX)
export VMLAUNCH_STATE
trap './vmlaunch stop --all --force >/dev/null 2>&1 || true; rm -rf "$VMLAUNCH_STATE"' EXIT
wrapper=$PWD/src/test/resources/fakes/qemu-machine-none
guest=$VMLAUNCH_STATE/bench.json
echo "{\"name\":\"bench\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"memory\":\"16M\",\"binary\":\"$wrapper\"}" >"$guest"
./vmlaunch --version >/dev/null # build once, outside the measurements

ms() { echo $(( ($2 - $1) / 1000000 )); }
state() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$VMLAUNCH_STATE/bench/state.json" "$1"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# qemu alone: exec to QMP greeting on a fresh socket.
plain=()
for _ in $(seq "$rounds"); do
    d=$(mktemp -d /tmp/vml-plain.XXXXXX)
    t0=$(date +%s%N)
    qemu-system-x86_64 -nodefaults -nographic -machine none -accel tcg -m 16M \
        -chardev socket,id=q,path="$d/qmp.sock",server=on,wait=off -mon chardev=q,mode=control >/dev/null 2>&1 &
    qpid=$!
    python3 - "$d/qmp.sock" <<'PY'
import socket, sys, time
while True:
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.makefile().readline(); break
    except OSError:
        time.sleep(0.002)
PY
    t1=$(date +%s%N)
    kill "$qpid"; wait "$qpid" 2>/dev/null || true; rm -rf "$d"
    plain+=("$(ms "$t0" "$t1")")
done

rund=(); quit=(); crash=(); rss=(); anon=(); pss=()
for _ in $(seq "$rounds"); do
    t0=$(date +%s%N); ./vmlaunch run -d "$guest" >/dev/null 2>&1; t1=$(date +%s%N)
    rund+=("$(ms "$t0" "$t1")")
    sup=$(state supervisorPid)
    sleep 1
    rss+=("$(awk '/VmRSS/ {print $2}' "/proc/$sup/status")"); anon+=("$(awk '/RssAnon/ {print $2}' "/proc/$sup/status")")
    pss+=("$(awk '/^Pss:/ {print $2}' "/proc/$sup/smaps_rollup")")
    t0=$(date +%s%N); ./vmlaunch stop --force bench >/dev/null; t1=$(date +%s%N)
    quit+=("$(ms "$t0" "$t1")")
    ./vmlaunch run -d "$guest" >/dev/null 2>&1
    vmm=$(state pid)
    t0=$(date +%s%N); kill -9 "$vmm"
    until grep -q '"state" : "crashed"' "$VMLAUNCH_STATE/bench/state.json"; do sleep 0.002; done
    t1=$(date +%s%N)
    crash+=("$(ms "$t0" "$t1")")
done

printf 'qemu -machine none, exec to QMP greeting (median of %d): %s ms\n' "$rounds" "$(printf '%s\n' "${plain[@]}" | median)"
printf 'vmlaunch run -d, to return (guest up, QMP negotiated):   %s ms\n' "$(printf '%s\n' "${rund[@]}" | median)"
printf 'vmlaunch stop --force (QMP quit), to return:              %s ms\n' "$(printf '%s\n' "${quit[@]}" | median)"
printf 'SIGKILL of the VMM to state "crashed" on disk:            %s ms\n' "$(printf '%s\n' "${crash[@]}" | median)"
# Pss splits the pages a supervisor shares (libjvm, the CDS archive's read-only half) among the processes that map them.
printf 'supervisor VmRSS / RssAnon / Pss:                         %s / %s / %s kB\n' \
    "$(printf '%s\n' "${rss[@]}" | median)" "$(printf '%s\n' "${anon[@]}" | median)" "$(printf '%s\n' "${pss[@]}" | median)"

if [ -f test-images/out/x86_64/vmlinuz ]; then
    ./vmlaunch run -d examples/hello-x86_64.json >/dev/null 2>&1
    until grep -q "vmlaunch: guest ready" "$VMLAUNCH_STATE/hello-x86_64/console.log" 2>/dev/null; do sleep 0.2; done
    t0=$(date +%s%N); ./vmlaunch stop hello-x86_64 >/dev/null; t1=$(date +%s%N)
    printf 'vmlaunch stop of the booted test image (power button):   %s ms\n' "$(ms "$t0" "$t1")"
fi
