#!/usr/bin/env python3
"""Boots a test image under QEMU TCG and saves the guest's /proc/interrupts before and after e1000e traffic.

Usage: capture-guest.py x86_64|aarch64 IMAGES_DIR OUT_PREFIX
Writes OUT_PREFIX-booted.txt (after boot, eth0 down), OUT_PREFIX-up.txt (eth0 up: e1000e has requested its
MSI-X vectors) and OUT_PREFIX-traffic.txt (after pings through QEMU's user network). QEMU is always killed.
"""
import os
import select
import subprocess
import sys
import time

arch, images, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
common = ["-accel", "tcg", "-m", "512", "-smp", "2", "-display", "none", "-serial", "stdio", "-monitor", "none",
          "-no-reboot", "-device", "e1000e,netdev=n0", "-netdev", "user,id=n0", "-initrd", f"{images}/initramfs.gz"]
if arch == "x86_64":
    argv = ["qemu-system-x86_64", "-M", "q35,kernel-irqchip=split", "-cpu", "max",
            "-device", "intel-iommu,intremap=on,caching-mode=on", "-kernel", f"{images}/vmlinuz",
            "-append", "console=ttyS0 intel_iommu=on panic=-1"] + common
else:
    argv = ["qemu-system-aarch64", "-M", "virt,gic-version=3,its=on", "-cpu", "max",
            "-kernel", f"{images}/Image", "-append", "console=ttyAMA0 panic=-1"] + common

proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
buf = b""


def wait_for(marker, timeout):
    global buf
    deadline = time.monotonic() + timeout
    while marker not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            sys.stderr.write(buf.decode(errors="replace")[-3000:])
            raise SystemExit(f"timed out waiting for {marker!r}")
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                continue
            buf += chunk
    at = buf.index(marker)
    before, buf = buf[:at], buf[at + len(marker):]
    return before


def run(cmd, timeout=60):
    # Markers are built by the shell (printf) so the echoed command line never matches them.
    proc.stdin.write(f"printf '%s%s\\n' '@@BEGIN' '@@'; {cmd}; printf '%s%s\\n' '@@END' '@@'\n".encode())
    proc.stdin.flush()
    wait_for(b"@@BEGIN@@", timeout)
    out = wait_for(b"@@END@@", timeout)
    return out.decode(errors="replace").replace("\r\n", "\n").lstrip("\n")


def save(name, text):
    with open(f"{prefix}-{name}.txt", "w") as f:
        f.write(text)
    print(f"wrote {prefix}-{name}.txt ({len(text.splitlines())} lines)")


try:
    wait_for(b"guest ready", 240)
    time.sleep(1)
    save("booted", run("cat /proc/interrupts"))
    run("ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && sleep 3")
    save("up", run("cat /proc/interrupts"))
    run("ping -c 5 -i 0.3 10.0.2.2 >/dev/null 2>&1; wget -q -O /dev/null http://10.0.2.2:1/ 2>/dev/null; true",
        timeout=120)
    save("traffic", run("cat /proc/interrupts"))
    print(run("uname -r; ls /sys/class/net/eth0/device/msi_irqs; readlink /sys/class/net/eth0/device"))
finally:
    proc.kill()
    proc.wait()
