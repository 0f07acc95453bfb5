package dev.vmlaunch.supervise;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
    @TempDir
    Path dir;

    /** Asks another process whether the lock file is locked (POSIX record lock, as the JDK takes it). */
    boolean lockedForOthers() throws Exception {
        Process p = new ProcessBuilder(List.of(
                        "python3",
                        "-c",
                        "import fcntl,sys\nf=open(sys.argv[1],'r+')\ntry:\n fcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB)\n"
                                + " print('free')\nexcept OSError:\n print('locked')",
                        dir.resolve("lock").toString()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8).trim();
        p.waitFor(10, TimeUnit.SECONDS);
        return out.equals("locked");
    }

    @Test
    // "try": the first lock is held for the block while the second attempts run; it is never otherwise used.
    @SuppressWarnings("try")
    void aSecondAttemptInTheSameProcessFailsWithoutDroppingTheFirstLock() throws Exception {
        try (RunLock first = RunLock.acquire(dir, "g1")) {
            assertTrue(lockedForOthers());
            assertTrue(RunLock.tryAcquire(dir).isEmpty());
            VmlaunchException e = assertThrows(VmlaunchException.class, () -> RunLock.acquire(dir, "g1"));
            assertEquals(2, e.exitCode());
            assertTrue(
                    e.getMessage()
                            .contains("a guest named \"g1\" is already running (supervisor pid "
                                    + ProcessHandle.current().pid() + ")"),
                    e.getMessage());
            assertTrue(lockedForOthers(), "a POSIX lock is lost when any descriptor of its file is closed");
        }
        assertFalse(lockedForOthers());
        assertTrue(RunLock.tryAcquire(dir)
                .map(l -> {
                    l.close();
                    return true;
                })
                .orElse(false));
    }
}
