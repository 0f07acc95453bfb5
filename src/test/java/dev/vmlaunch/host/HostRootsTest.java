package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostRootsTest {
    @Test
    void defaultsToTheKernelsTrees() {
        assertEquals(
                new HostRoots(Path.of("/sys"), Path.of("/dev"), Path.of("/proc")), HostRoots.fromEnvironment(Map.of()));
    }

    @Test
    void environmentMovesEachRoot() {
        HostRoots r = HostRoots.fromEnvironment(Map.of(
                "VMLAUNCH_SYSFS",
                "/tmp/fake/sys",
                "VMLAUNCH_DEV",
                "/tmp/fake/dev/",
                "VMLAUNCH_PROC",
                "/tmp/fake/proc",
                "VMLAUNCH_STATE",
                "ignored here"));
        assertEquals(new HostRoots(Path.of("/tmp/fake/sys"), Path.of("/tmp/fake/dev"), Path.of("/tmp/fake/proc")), r);
        assertEquals(
                Path.of("/sys"),
                HostRoots.fromEnvironment(Map.of("VMLAUNCH_SYSFS", " ")).sysfs());
    }
}
