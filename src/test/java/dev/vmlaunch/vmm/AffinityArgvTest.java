package dev.vmlaunch.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.supervise.AffinityStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What pinning changes on the command line: qemu waits paused (-S); the VMM is spawned under taskset. */
class AffinityArgvTest {
    private static final RunLayout LAYOUT = new RunLayout(Path.of("/run/vmlaunch/g"), RunLayout.ConsoleMode.STDIO);

    @TempDir
    Path tmp;

    @Test
    void qemuStartsPausedWhenAnyPinningIsAsked() {
        for (String pin : List.of("\"cpuAffinity\": \"0\"", "\"vcpuPin\": {\"0\": \"1\"}")) {
            List<String> argv =
                    DriverArgv.build(Guests.parse("{\"name\": \"g\", \"vmm\": \"qemu\", " + pin + "}"), LAYOUT);
            assertEquals(1, argv.stream().filter("-S"::equals).count(), argv.toString());
        }
    }

    @Test
    void anUnpinnedQemuIsNotPaused() {
        assertFalse(DriverArgv.build(Guests.parse("{\"name\": \"g\", \"vmm\": \"qemu\"}"), LAYOUT)
                .contains("-S"));
    }

    @Test
    void lkvmHasNoPauseOptionAndGetsNone() {
        List<String> argv =
                DriverArgv.build(Guests.parse("{\"name\": \"g\", \"vmm\": \"lkvm\", \"cpuAffinity\": \"0\"}"), LAYOUT);
        assertFalse(argv.contains("-S"));
        assertFalse(argv.contains("taskset"), "the argv stays the VMM's own");
    }

    @Test
    void theProcessMaskIsATasksetPrefixFoundOnPath() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path taskset = Files.createFile(bin.resolve("taskset"));
        taskset.toFile().setExecutable(true);
        assertEquals(
                List.of(taskset.toString(), "-c", "2-3,6"),
                AffinityStep.spawnPrefix(
                        Guests.parse("{\"name\": \"g\", \"vmm\": \"qemu\", \"cpuAffinity\": \"6,2,3\"}")
                                .affinity(),
                        bin.toString()));
        assertEquals(
                List.of(),
                AffinityStep.spawnPrefix(
                        Guests.parse("{\"name\": \"g\", \"vmm\": \"qemu\", \"vcpuPin\": {\"0\": \"1\"}}")
                                .affinity(),
                        bin.toString()));
    }

    @Test
    void withoutTasksetAPinnedGuestIsHostNotReady() {
        VmlaunchException e = org.junit.jupiter.api.Assertions.assertThrows(
                VmlaunchException.class,
                () -> AffinityStep.spawnPrefix(
                        Guests.parse("{\"name\": \"g\", \"vmm\": \"qemu\", \"cpuAffinity\": \"0\"}")
                                .affinity(),
                        tmp.toString()));
        assertEquals(3, e.exitCode());
        assertTrue(e.getMessage().contains("apt-get install util-linux"), e.getMessage());
    }
}
