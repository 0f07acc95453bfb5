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
 * the VMM's first instruction and the supervisor's own limit is untouched). Root may raise both limits; anyone
 * else only the soft one up to the hard one, and {@code check} refuses before that when the hard limit is too low.
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
        String hard;
        if (limits.canRaiseTo(need)) {
            hard = limits.hard().isEmpty()
                    ? "unlimited"
                    : Long.toString(limits.hard().getAsLong());
        } else if (root) {
            hard = Long.toString(need);
        } else {
            return List.of();
        }
        return List.of(prlimit.get().toString(), "--memlock=" + need + ":" + hard);
    }
}
