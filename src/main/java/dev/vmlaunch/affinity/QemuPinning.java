package dev.vmlaunch.affinity;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpException;
import dev.vmlaunch.qmp.VcpuThreads;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pins a qemu that was started with {@code -S} (so no guest instruction has run): the process mask on every thread,
 * each asked vCPU's thread (from {@code query-cpus-fast}) on its own list, then {@code cont}.
 *
 * <p>Threads qemu makes later (iothreads, the thread pool's workers, vCPUs hot-plugged) inherit the mask of the
 * thread that makes them. Those are the main loop thread and the RCU/worker threads, which carry the process mask,
 * never a pinned vCPU thread's narrower one.
 */
public final class QemuPinning {
    private QemuPinning() {}

    public static AppliedAffinity apply(
            QmpClient qmp, long pid, Affinity affinity, VmmPinner pinner, Duration timeout) {
        try {
            Map<Integer, Long> threads = VcpuThreads.query(qmp, timeout);
            Map<Integer, Long> pinned = new TreeMap<>();
            for (Map.Entry<Integer, CpuList> e : affinity.vcpus().entrySet()) {
                Long tid = threads.get(e.getKey());
                if (tid == null) {
                    throw VmlaunchException.failure("qemu reports no vCPU " + e.getKey() + " (query-cpus-fast lists "
                            + threads.keySet() + "): cannot pin it to CPUs " + e.getValue());
                }
                // Single-threaded TCG runs every vCPU on one thread: two different lists cannot both hold.
                for (Map.Entry<Integer, Long> p : pinned.entrySet()) {
                    if (p.getValue().equals(tid)
                            && !affinity.vcpus().get(p.getKey()).equals(e.getValue())) {
                        throw VmlaunchException.usage("qemu runs vCPUs " + p.getKey() + " and " + e.getKey()
                                + " on one thread (" + tid + "), so they cannot be pinned to different CPUs ("
                                + affinity.vcpus().get(p.getKey()) + " and " + e.getValue() + "): with tcg give them "
                                + "the same list, or run multi-threaded TCG");
                    }
                }
                pinner.pinVcpu(e.getKey(), tid, e.getValue(), "qemu");
                pinned.put(e.getKey(), tid);
            }
            AppliedAffinity applied = pinner.readBack(pid, affinity, pinned);
            qmp.cont(timeout);
            return applied;
        } catch (QmpException e) {
            throw VmlaunchException.failure("cannot pin qemu's threads over QMP: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw VmlaunchException.failure("interrupted while pinning qemu's threads");
        }
    }
}
