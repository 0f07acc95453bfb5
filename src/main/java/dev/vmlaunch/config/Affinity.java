package dev.vmlaunch.config;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where the guest's VMM may run on the host ({@code cpuAffinity}, {@code vcpuPin} in guest.json).
 *
 * @param process the mask of the whole VMM process and every thread it makes, or null: not pinned
 * @param vcpus   guest vCPU index → host CPUs of that vCPU's thread; indexes are below the guest's cpus and the
 *                lists within {@code process} when that is set (the loader checks both)
 */
public record Affinity(CpuList process, Map<Integer, CpuList> vcpus) {
    public static final Affinity NONE = new Affinity(null, Map.of());

    public Affinity {
        vcpus = Collections.unmodifiableMap(new TreeMap<>(vcpus));
    }

    /** Whether anything is pinned (qemu then starts paused until it is). */
    public boolean any() {
        return process != null || !vcpus.isEmpty();
    }

    /** Every host CPU the guest's threads may run on, when that is known (pinned at all). */
    public Optional<CpuList> allCpus() {
        if (process != null) {
            return Optional.of(process);
        }
        return vcpus.values().stream().reduce(CpuList::union);
    }

    /** A one-line description for people: {@code process 2-3; vCPU 0 on 2, vCPU 1 on 3}. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (process != null) {
            b.append("process ").append(process);
        }
        if (!vcpus.isEmpty()) {
            if (b.length() > 0) {
                b.append("; ");
            }
            b.append(String.join(
                    ", ",
                    vcpus.entrySet().stream()
                            .map(e -> "vCPU " + e.getKey() + " on " + e.getValue())
                            .toList()));
        }
        return b.length() == 0 ? "not pinned" : b.toString();
    }
}
