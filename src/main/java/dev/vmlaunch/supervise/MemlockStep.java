package dev.vmlaunch.supervise;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.host.MemlockBudget;
import dev.vmlaunch.host.Sysfs;
import dev.vmlaunch.vmm.Executables;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Raises the VMM's RLIMIT_MEMLOCK to the guest's VFIO budget when it would start below it, with util-linux's
 * {@code prlimit --memlock=SOFT:HARD} in front of the VMM (an argv prefix like taskset's, so the limit holds from
 * the VMM's first instruction and the supervisor's own limit is untouched), up to the hard limit; {@code check}
 * refuses before that when the hard limit is too low. Root gets no prefix: with CAP_IPC_LOCK vfio_iommu_type1 does
 * not charge pinned pages to RLIMIT_MEMLOCK at all, and raising a hard limit needs CAP_SYS_RESOURCE, which root in a
 * container often lacks (prlimit then fails with EPERM and the VMM never starts: seen on this project's CI machines,
 * hard limit 8 MiB).
 */
public final class MemlockStep {
    private MemlockStep() {}

    /** The prlimit prefix, or nothing when no passthrough, the limit already allows the budget, or prlimit is missing. */
    public static List<String> spawnPrefix(GuestSpec spec, boolean root, HostRoots roots, String pathEnv) {
        if (spec.passthrough().isEmpty()) {
            return List.of();
        }
        long need = MemlockBudget.of(spec, new Sysfs(roots.sysfs())).bytes();
        return prefix(need, MemlockBudget.Limits.of(roots.proc()), root, Executables.find("prlimit", pathEnv));
    }

    static List<String> prefix(long need, MemlockBudget.Limits limits, boolean root, Optional<Path> prlimit) {
        if (limits.allows(need) || prlimit.isEmpty()) {
            return List.of();
        }
        if (root || !limits.canRaiseTo(need)) {
            return List.of();
        }
        String hard = limits.hard().isEmpty()
                ? "unlimited"
                : Long.toString(limits.hard().getAsLong());
        return List.of(prlimit.get().toString(), "--memlock=" + need + ":" + hard);
    }
}
