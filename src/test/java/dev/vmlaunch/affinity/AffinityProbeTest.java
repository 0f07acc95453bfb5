package dev.vmlaunch.affinity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import dev.vmlaunch.vfio.ThreadAffinity;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pre-start probe: lists the kernel refuses or narrows (a cpuset) stop the start with exit 3. */
class AffinityProbeTest {
    /** A kernel whose cpuset holds CPUs 0-3: masks are narrowed to it, masks without any of them are EINVAL. */
    static final class Cpuset implements ThreadAffinity {
        private final CpuList allowed = CpuList.parseOrThrow("0-3");
        private CpuList mask = allowed;

        @Override
        public int set(long tid, CpuList cpus) {
            if (cpus.minus(allowed).map(rest -> rest.equals(cpus)).orElse(false)) {
                return -22;
            }
            mask = CpuList.of(cpus.stream().filter(allowed::contains).toArray());
            return 0;
        }

        @Override
        public Mask get(long tid) {
            return new Mask(mask, 0);
        }
    }

    @Test
    void listsWithinTheCpusetPass() {
        AffinityProbe.check(new Affinity(CpuList.parseOrThrow("2-3"), Map.of(0, CpuList.of(2))), new Cpuset());
    }

    @Test
    void aListTheKernelWouldNarrowIsRefusedNamingTheMissingCpus() {
        VmlaunchException e = assertThrows(
                VmlaunchException.class,
                () -> AffinityProbe.check(new Affinity(CpuList.parseOrThrow("2-5"), Map.of()), new Cpuset()));
        assertEquals(3, e.exitCode());
        assertEquals(
                "\"cpuAffinity\" (2-5) would be narrowed to 2-3 by the kernel (CPUs 4-5 are outside vmlaunch's "
                        + "cpuset)",
                e.getMessage());
    }

    @Test
    void aListWithNoAllowedCpuIsRefusedWithTheErrno() {
        VmlaunchException e = assertThrows(
                VmlaunchException.class,
                () -> AffinityProbe.check(new Affinity(null, Map.of(1, CpuList.of(7))), new Cpuset()));
        assertEquals(3, e.exitCode());
        assertEquals(
                "\"vcpuPin\" of vCPU 1 (7) cannot be applied here: sched_setaffinity: EINVAL (Invalid argument) "
                        + "(none of these CPUs is online and in vmlaunch's cpuset)",
                e.getMessage());
    }
}
