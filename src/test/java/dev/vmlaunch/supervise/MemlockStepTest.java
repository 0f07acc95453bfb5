package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.host.MemlockBudget;
import dev.vmlaunch.vmm.Executables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class MemlockStepTest {
    private static final Optional<Path> PRLIMIT = Optional.of(Path.of("/usr/bin/prlimit"));
    private static final long GIB = 1L << 30;

    private static MemlockBudget.Limits limits(Long soft, Long hard) {
        return new MemlockBudget.Limits(
                soft == null ? OptionalLong.empty() : OptionalLong.of(soft),
                hard == null ? OptionalLong.empty() : OptionalLong.of(hard),
                Path.of("/proc/self/limits"));
    }

    @Test
    void nothingWhenTheLimitAlreadyAllowsTheBudget() {
        assertEquals(List.of(), MemlockStep.prefix(5 * GIB, limits(null, null), false, PRLIMIT));
        assertEquals(List.of(), MemlockStep.prefix(5 * GIB, limits(8 * GIB, 8 * GIB), false, PRLIMIT));
    }

    @Test
    void aUserRaisesTheSoftLimitUpToTheHardOneAndRootNeedsNoRaise() {
        assertEquals(
                List.of("/usr/bin/prlimit", "--memlock=" + 5 * GIB + ":unlimited"),
                MemlockStep.prefix(5 * GIB, limits(8L << 20, null), false, PRLIMIT));
        assertEquals(
                List.of("/usr/bin/prlimit", "--memlock=" + 5 * GIB + ":" + 6 * GIB),
                MemlockStep.prefix(5 * GIB, limits(8L << 20, 6 * GIB), false, PRLIMIT));
        // Root pins with CAP_IPC_LOCK, uncharged; raising its hard limit would need CAP_SYS_RESOURCE (EPERM here).
        assertEquals(List.of(), MemlockStep.prefix(5 * GIB, limits(8L << 20, 8L << 20), true, PRLIMIT));
        assertEquals(List.of(), MemlockStep.prefix(5 * GIB, limits(8L << 20, null), true, PRLIMIT));
        // Not root and the hard limit too low: check refuses before; nothing to try here.
        assertEquals(List.of(), MemlockStep.prefix(5 * GIB, limits(8L << 20, 8L << 20), false, PRLIMIT));
    }

    @Test
    void theRealPrlimitStartsTheCommandUnderTheRaisedLimit() throws Exception {
        // util-linux (prlimit) is essential on Debian: a machine without it fails this test, as it would the run.
        Optional<Path> prlimit = Executables.find("prlimit", System.getenv("PATH"));
        assertTrue(prlimit.isPresent(), "prlimit not on PATH");
        // Below the current hard limit, so any user may do it: soft 1 MiB under whatever hard limit there is.
        List<String> cmd = new ArrayList<>(List.of(prlimit.get().toString(), "--memlock=1048576:"));
        MemlockBudget.Limits mine = MemlockBudget.Limits.of(Path.of("/proc"));
        cmd.set(
                1,
                cmd.get(1)
                        + (mine.hard().isEmpty()
                                ? "unlimited"
                                : Long.toString(mine.hard().getAsLong())));
        cmd.addAll(List.of("cat", "/proc/self/limits"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(
                out.lines().anyMatch(l -> l.startsWith("Max locked memory") && l.split("\\s+")[3].equals("1048576")),
                out);
    }
}
