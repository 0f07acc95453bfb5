package dev.vmlaunch.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * TEMPORARY, lab only: puts each nested KVM guest's VMM on a lab-host CPU of its own until guest.json's
 * {@code cpuAffinity} (branch affinity) lands. Two unpinned nested KVM guests crash or hang the lab host's kernel
 * (QEMU 7.2's SVM emulation), pinned they run. The wrapper is fixed text around one CPU number: it execs
 * {@code taskset -c N qemu-system-x86_64} with the argv it was given, so the VMM keeps the wrapper's pid.
 */
final class LabPinning {
    private LabPinning() {
    }

    /** The VMM binary for nested guest {@code index}: a pinning wrapper under KVM, null (the default qemu) under TCG. */
    static String vmmOnCpu(Path work, int index, LabPlan.Mode mode) {
        if (mode != LabPlan.Mode.KVM) {
            return null;
        }
        int cpu = index % LabPlan.NESTED_GUESTS;
        Path wrapper = work.resolve("qemu-on-cpu" + cpu);
        try {
            Files.writeString(wrapper, "#!/bin/sh\nexec /usr/bin/taskset -c " + cpu + " qemu-system-x86_64 \"$@\"\n");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return wrapper.toString();
    }
}
