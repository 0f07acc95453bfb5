package dev.vmlaunch.affinity;

import dev.vmlaunch.config.CpuList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the kernel applies to a VMM's threads right now, from /proc/PID/task/TID/status (Cpus_allowed_list). */
public final class AffinityReadBack {
    private AffinityReadBack() {}

    /**
     * @param asked         the asked pinning in words (kept as it is)
     * @param askedProcess  the asked process mask, or null; threads outside it are listed
     * @param vcpuThreads   vCPU index → thread id, as found when pinning
     */
    public static AppliedAffinity read(
            ProcTasks tasks, long pid, String asked, CpuList askedProcess, Map<Integer, Long> vcpuThreads) {
        List<Long> all = tasks.tasks(pid);
        Optional<CpuList> main = tasks.allowed(pid, pid);
        List<Long> outside = new ArrayList<>();
        if (askedProcess != null) {
            for (long tid : all) {
                tasks.allowed(pid, tid).filter(m -> !m.isWithin(askedProcess)).ifPresent(m -> outside.add(tid));
            }
        }
        List<AppliedAffinity.Vcpu> vcpus = new ArrayList<>();
        vcpuThreads.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> vcpus.add(new AppliedAffinity.Vcpu(
                        e.getKey(),
                        e.getValue(),
                        tasks.allowed(pid, e.getValue()).map(CpuList::toString).orElse(null))));
        return new AppliedAffinity(
                asked,
                askedProcess == null ? null : askedProcess.toString(),
                main.map(CpuList::toString).orElse(null),
                all.size(),
                outside,
                vcpus);
    }

    /** {@code recorded} read again now: the same threads, their masks as they are. */
    public static AppliedAffinity again(ProcTasks tasks, long pid, AppliedAffinity recorded) {
        Map<Integer, Long> threads = new java.util.TreeMap<>();
        recorded.vcpus().forEach(v -> threads.put(v.index(), v.tid()));
        CpuList askedProcess = recorded.askedProcess() == null
                ? null
                : CpuList.parse(recorded.askedProcess(), why -> {}).orElse(null);
        return read(tasks, pid, recorded.asked(), askedProcess, threads);
    }
}
