package dev.vmlaunch.supervise;

import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.affinity.AffinityProbe;
import dev.vmlaunch.affinity.AppliedAffinity;
import dev.vmlaunch.affinity.ProcTasks;
import dev.vmlaunch.affinity.VmmPinner;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.state.AtomicWrite;
import dev.vmlaunch.vfio.ThreadAffinity;
import dev.vmlaunch.vmm.Executables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The supervisor's part of cpuAffinity / vcpuPin: the spawn prefix that starts the VMM under the process mask, the
 * pinning once the VMM answers, and {@code affinity.json} in the state folder.
 *
 * <p>Why {@code taskset -c LIST} in front of the VMM rather than setting the supervisor thread's own mask around
 * the spawn: the mask is then set in the child between fork and the VMM's exec, so it holds from the VMM's first
 * instruction, whatever way the JDK spawns (posix_spawn through jspawnhelper, vfork), and no supervisor thread is
 * ever pinned, not even for a moment and not after a failed restore. util-linux (taskset, setsid) is essential on
 * Debian.
 */
public final class AffinityStep {
    static final String FILE = "affinity.json";

    private AffinityStep() {}

    /**
     * Refuses (exit 3) vCPU lists the kernel would refuse or narrow, before anything starts. The process list is
     * taskset's: it refuses one with no allowed CPU before the VMM's exec ({@link #spawnFailure}), and a narrowed one
     * shows in the read-back before the guest runs ({@link VmmPinner#readBack}); probing it here would load the FFI
     * for every pinned guest.
     */
    static void probe(Affinity affinity) {
        if (!affinity.vcpus().isEmpty()) {
            AffinityProbe.check(new Affinity(null, affinity.vcpus()), ThreadAffinity.system());
        }
    }

    /** taskset's own words when it could not set {@code cpuAffinity} (it then exits 1 without starting the VMM). */
    private static final java.util.regex.Pattern TASKSET_FAILED =
            java.util.regex.Pattern.compile("(?m)^taskset: failed to set pid \\d+'s affinity: (.{1,200})$");

    /**
     * Why a VMM started under taskset ended before it was up, if taskset said so in {@code vmmLog} (its stderr).
     * Its last lines are enough (taskset fails before the VMM exists, so nothing follows its message), read with
     * the console tail's bounds.
     */
    static Optional<String> spawnFailure(Affinity affinity, Path vmmLog) {
        if (affinity.process() == null || !Files.isRegularFile(vmmLog, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        String head =
                dev.vmlaunch.console.ConsoleTail.read(vmmLog, 16 * 1024, 50).orElse("");
        java.util.regex.Matcher m = TASKSET_FAILED.matcher(head);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of("\"cpuAffinity\" (" + affinity.process() + ") cannot be applied here: taskset: "
                + m.group(1)
                + (m.group(1).startsWith("Invalid argument")
                        ? " (none of these CPUs is online and in vmlaunch's cpuset)"
                        : ""));
    }

    /** {@code taskset -c LIST} when a process mask is asked for, else nothing. */
    public static List<String> spawnPrefix(Affinity affinity, String pathEnv) {
        if (affinity.process() == null) {
            return List.of();
        }
        Path taskset = Executables.find("taskset", pathEnv)
                .orElseThrow(() -> VmlaunchException.hostNotReady(
                        "taskset not found on PATH: it starts the VMM under \"cpuAffinity\" (install it: apt-get install "
                                + "util-linux)"));
        return List.of(taskset.toString(), "-c", affinity.process().toString());
    }

    /** What pins the VMM's threads (its driver's session says which threads; the kernel's /proc lists them). */
    static VmmPinner pinner() {
        return new VmmPinner(ThreadAffinity::system, new ProcTasks(HostRoots.KERNEL.proc()));
    }

    /** Records what the kernel applied; returns it. */
    static AppliedAffinity record(GuestDir dir, AppliedAffinity a) {
        try {
            AtomicWrite.replace(dir.root().resolve(FILE), JsonMappers.pretty().writeValueAsBytes(a));
        } catch (IOException e) {
            throw VmlaunchException.hostNotReady("cannot write " + dir.root().resolve(FILE) + ": " + e.getMessage());
        }
        return a;
    }

    /** The recorded pinning of a guest, if it was pinned (and the file is ours and readable). */
    public static Optional<AppliedAffinity> recorded(GuestDir dir) {
        Path f = dir.root().resolve(FILE);
        try {
            // The guarded read of every record file: no link followed, no FIFO, at most 1 MiB.
            byte[] bytes = dev.vmlaunch.state.RecordFiles.read(f, 1 << 20);
            return Optional.of(JsonMappers.mapper().readValue(bytes, AppliedAffinity.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Removes an earlier run's record, so a guest that is not pinned shows no stale one. */
    static void clear(GuestDir dir) {
        try {
            Files.deleteIfExists(dir.root().resolve(FILE));
        } catch (IOException e) {
            // status then shows an old record; it names its thread ids, which status re-reads live.
        }
    }
}
