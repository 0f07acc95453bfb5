package dev.vmlaunch.affinity;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import dev.vmlaunch.vfio.Errno;
import dev.vmlaunch.vfio.ThreadAffinity;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Pins a VMM's vCPU threads and reads back what the kernel made of its masks.
 *
 * <p>The process mask ({@code cpuAffinity}) is not set here: the VMM is exec'd under {@code taskset}, so every
 * thread it makes inherits the mask from its first instruction on. What is left for this class is to check, from
 * /proc, that the kernel applied that mask as asked (a cpuset narrows it silently), and the per-vCPU masks, which
 * need sched_setaffinity: only those load the FFI, which costs a supervisor about a quarter of a second of CPU on
 * a fast machine and several seconds inside an emulated host.
 */
public final class VmmPinner {
    private final Supplier<ThreadAffinity> sys;
    private final ProcTasks tasks;
    private ThreadAffinity loaded;

    /** @param sys made on the first vCPU pin, not before */
    public VmmPinner(Supplier<ThreadAffinity> sys, ProcTasks tasks) {
        this.sys = sys;
        this.tasks = tasks;
    }

    public VmmPinner(ThreadAffinity sys, ProcTasks tasks) {
        this(() -> sys, tasks);
    }

    private synchronized ThreadAffinity sys() {
        if (loaded == null) {
            loaded = sys.get();
        }
        return loaded;
    }

    public ProcTasks tasks() {
        return tasks;
    }

    /** Pins one vCPU's thread; a thread that is gone is an error here (the vCPU would run unpinned). */
    public void pinVcpu(int index, long tid, CpuList cpus, String vmmName) {
        int r = sys().set(tid, cpus);
        if (r < 0) {
            throw refused(vmmName + " vCPU " + index + " (thread " + tid + ")", cpus, r);
        }
    }

    /**
     * The pinning as /proc shows it now.
     *
     * @throws VmlaunchException exit 3 when the kernel did not give the VMM its {@code cpuAffinity} as asked: a
     *     cpuset narrowed it (the caller then stops the VMM before its guest runs, where the VMM waits for that)
     */
    public AppliedAffinity readBack(long pid, Affinity asked, Map<Integer, Long> vcpuThreads) {
        AppliedAffinity applied = AffinityReadBack.read(tasks, pid, asked.describe(), asked.process(), vcpuThreads);
        CpuList want = asked.process();
        if (want != null) {
            CpuList got = tasks.allowed(pid, pid)
                    .orElseThrow(() -> VmlaunchException.failure("the VMM (pid " + pid
                            + ") has no status in /proc: it ended before its CPU mask could be checked"));
            if (!got.equals(want)) {
                throw VmlaunchException.hostNotReady("\"cpuAffinity\" (" + want + ") was narrowed to " + got
                        + " by the kernel"
                        + want.minus(got)
                                .map(m -> " (CPUs " + m + " are outside vmlaunch's cpuset)")
                                .orElse(""));
            }
        }
        return applied;
    }

    private static VmlaunchException refused(String what, CpuList cpus, int r) {
        return VmlaunchException.hostNotReady("cannot pin " + what + " to CPUs " + cpus + ": sched_setaffinity: "
                + Errno.describe(-r)
                + (-r == Errno.EINVAL.number()
                        ? " (none of these CPUs is allowed to vmlaunch here: see its " + "cpuset / taskset -p "
                                + ProcessHandle.current().pid() + ")"
                        : ""));
    }
}
