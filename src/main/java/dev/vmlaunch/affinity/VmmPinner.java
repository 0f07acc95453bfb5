package dev.vmlaunch.affinity;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import dev.vmlaunch.vfio.Errno;
import dev.vmlaunch.vfio.ThreadAffinity;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Applies masks to a VMM's threads and reads back what the kernel made of them. */
public final class VmmPinner {
    private static final int ESRCH = 3;
    /** Passes over /proc/PID/task before giving up on a VMM that keeps making threads. */
    private static final int MAX_PASSES = 20;

    private final ThreadAffinity sys;
    private final ProcTasks tasks;

    public VmmPinner(ThreadAffinity sys, ProcTasks tasks) {
        this.sys = sys;
        this.tasks = tasks;
    }

    public ProcTasks tasks() {
        return tasks;
    }

    /**
     * Sets {@code mask} on every thread {@code pid} has. A thread made during a pass inherits its creator's mask,
     * which may not be set yet, so passes repeat until one finds no thread it has not pinned.
     */
    public void pinProcess(long pid, CpuList mask, String vmmName) {
        Set<Long> done = new HashSet<>();
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            List<Long> fresh =
                    tasks.tasks(pid).stream().filter(t -> !done.contains(t)).toList();
            if (fresh.isEmpty()) {
                if (done.isEmpty()) {
                    throw VmlaunchException.failure(vmmName + " (pid " + pid + ") has no threads in /proc: it ended "
                            + "before it could be pinned");
                }
                return;
            }
            for (long tid : fresh) {
                int r = sys.set(tid, mask);
                if (r < 0 && -r != ESRCH) {
                    throw refused(vmmName + " thread " + tid, mask, r);
                }
                done.add(tid);
            }
        }
        throw VmlaunchException.failure(
                vmmName + " (pid " + pid + ") kept making threads while it was being pinned " + "to CPUs " + mask);
    }

    /** Pins one vCPU's thread; a thread that is gone is an error here (the vCPU would run unpinned). */
    public void pinVcpu(int index, long tid, CpuList cpus, String vmmName) {
        int r = sys.set(tid, cpus);
        if (r < 0) {
            throw refused(vmmName + " vCPU " + index + " (thread " + tid + ")", cpus, r);
        }
    }

    /** The pinning as /proc shows it now. */
    public AppliedAffinity readBack(long pid, Affinity asked, Map<Integer, Long> vcpuThreads) {
        return AffinityReadBack.read(tasks, pid, asked.describe(), asked.process(), vcpuThreads);
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
