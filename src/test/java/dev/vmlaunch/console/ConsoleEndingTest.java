package dev.vmlaunch.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleEndingTest {

    static ConsoleEnding foldAll(List<String> lines) {
        ConsoleEnding e = null;
        for (String l : lines) {
            e = ConsoleEnding.fold(e, l);
        }
        return e;
    }

    @Test
    void aPanicStaysAPanicThroughTheRebootPanicEqualsOneTriggers() {
        assertEquals(
                ConsoleEnding.PANIC,
                foldAll(List.of(
                        "[    2.101] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
                        "[    2.102] Rebooting in 1 seconds..",
                        "[    3.110] reboot: Restarting system")));
    }

    @Test
    void theKernelsRebootAndPowerDownLinesAreToldApart() {
        assertEquals(ConsoleEnding.REBOOT, foldAll(List.of("[   9.0] reboot: Restarting system")));
        assertEquals(ConsoleEnding.POWER_OFF, foldAll(List.of("[   9.0] reboot: Power down")));
    }

    @Test
    void ordinaryLinesSayNothing() {
        assertNull(foldAll(List.of(
                "Linux version 6.1.0",
                "/ # poweroff",
                "  # KVM session ended normally.",
                "The system is going down NOW!")));
    }
}
