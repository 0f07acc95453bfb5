package dev.vmlaunch.affinity;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pins kvmtool's vCPU threads, which it names {@code kvm-vcpu-N} (kvm-cpu.c). kvmtool has no {@code -S}: it was
 * started under the process mask already (so everything it runs is within it); each asked vCPU thread is pinned as
 * soon as it appears.
 */
public final class LkvmPinning {
    private static final Pattern VCPU = Pattern.compile("kvm-vcpu-([0-9]{1,4})");
    private static final Duration POLL = Duration.ofMillis(20);

    private LkvmPinning() {}

    /**
     * @param alive false once kvmtool ended (then waiting is pointless)
     */
    public static AppliedAffinity apply(
            long pid, Affinity affinity, VmmPinner pinner, Duration timeout, BooleanSupplier alive) {
        long end = System.nanoTime() + timeout.toNanos();
        Map<Integer, Long> pinned = new TreeMap<>();
        while (true) {
            for (long tid : pinner.tasks().tasks(pid)) {
                Optional<Integer> index = pinner.tasks()
                        .comm(pid, tid)
                        .map(VCPU::matcher)
                        .filter(Matcher::matches)
                        .map(m -> Integer.parseInt(m.group(1)));
                if (index.isEmpty() || pinned.containsKey(index.get())) {
                    continue;
                }
                CpuList cpus = affinity.vcpus().get(index.get());
                if (cpus != null) {
                    pinner.pinVcpu(index.get(), tid, cpus, "lkvm");
                    pinned.put(index.get(), tid);
                }
            }
            if (pinned.keySet().containsAll(affinity.vcpus().keySet())) {
                break;
            }
            if (!alive.getAsBoolean()) {
                throw VmlaunchException.failure("lkvm ended before its vCPU threads could be pinned");
            }
            if (System.nanoTime() - end >= 0) {
                throw VmlaunchException.failure("lkvm made no thread named kvm-vcpu-N for vCPU"
                        + (affinity.vcpus().size() - pinned.size() == 1 ? " " : "s ")
                        + affinity.vcpus().keySet().stream()
                                .filter(i -> !pinned.containsKey(i))
                                .toList()
                        + " within " + timeout.toSeconds() + " s, so they could not be pinned");
            }
            sleepPoll();
        }
        return pinner.readBack(pid, affinity, pinned);
    }

    private static void sleepPoll() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw VmlaunchException.failure("interrupted while waiting for lkvm's vCPU threads");
        }
    }
}
