package dev.vmlaunch.affinity;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import dev.vmlaunch.vfio.Errno;
import dev.vmlaunch.vfio.ThreadAffinity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Asks the kernel, before the VMM starts, whether this process may pin to the asked CPUs: on a throwaway thread it
 * sets each list and reads back what it got. A cpuset (cgroup) silently narrows a mask to its CPUs and refuses one
 * with none of them (EINVAL); online CPUs alone do not tell that.
 */
public final class AffinityProbe {
    private AffinityProbe() {}

    /** @throws VmlaunchException exit 3, naming the lists the kernel would refuse or narrow */
    public static void check(Affinity affinity, ThreadAffinity sys) {
        List<CpuList> lists = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (affinity.process() != null) {
            lists.add(affinity.process());
            names.add("\"cpuAffinity\"");
        }
        for (Map.Entry<Integer, CpuList> e : affinity.vcpus().entrySet()) {
            lists.add(e.getValue());
            names.add("\"vcpuPin\" of vCPU " + e.getKey());
        }
        List<String> problems;
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        // A thread of its own: tid 0 is the calling thread, and this one ends right after, mask and all.
        Thread t = new Thread(
                () -> {
                    try {
                        List<String> out = new ArrayList<>();
                        for (int i = 0; i < lists.size(); i++) {
                            problem(names.get(i), lists.get(i), sys).ifPresent(out::add);
                        }
                        result.complete(out);
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                },
                "vmlaunch-affinity-probe");
        t.setDaemon(true);
        t.start();
        try {
            problems = result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw VmlaunchException.failure("interrupted while checking the CPU affinity");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : VmlaunchException.failure(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw VmlaunchException.hostNotReady(String.join("; ", problems));
        }
    }

    private static Optional<String> problem(String name, CpuList asked, ThreadAffinity sys) {
        int r = sys.set(0, asked);
        if (r < 0) {
            return Optional.of(name + " (" + asked + ") cannot be applied here: sched_setaffinity: "
                    + Errno.describe(-r)
                    + (-r == Errno.EINVAL.number() ? " (none of these CPUs is online and in vmlaunch's cpuset)" : ""));
        }
        ThreadAffinity.Mask got = sys.get(0);
        if (got.cpus() != null && !got.cpus().equals(asked)) {
            return Optional.of(name + " (" + asked + ") would be narrowed to " + got.cpus() + " by the kernel (CPUs "
                    + asked.minus(got.cpus()).map(CpuList::toString).orElse("?") + " are outside vmlaunch's cpuset)");
        }
        return Optional.empty();
    }
}
