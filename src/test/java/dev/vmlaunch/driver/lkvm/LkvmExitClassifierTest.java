package dev.vmlaunch.driver.lkvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmlaunch.console.ConsoleEnding;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.driver.VmmExit;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LkvmExitClassifierTest {
    private static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void kvmtoolExitingCleanlyIsTheGuestShuttingDown() {
        assertEquals(
                ExitRecord.GUEST_SHUTDOWN,
                LkvmExitClassifier.classify(VmmExit.of(0), false, ConsoleEnding.Seen.UNWATCHED, AT)
                        .how());
    }

    static ExitRecord lkvm(int status, boolean asked, ConsoleEnding ending, String line) {
        return LkvmExitClassifier.classify(VmmExit.of(status), asked, new ConsoleEnding.Seen(true, ending, line), AT);
    }

    @Test
    void aKvmtoolGuestWhoseKernelPanickedIsAPanicThoughKvmtoolExitedNormally() {
        ExitRecord r = lkvm(0, false, ConsoleEnding.PANIC, "Kernel panic - not syncing: Attempted to kill init!");
        assertEquals(ExitRecord.PANIC, r.how());
        assertEquals(Lifecycle.CRASHED, r.lifecycle());
        assertEquals(
                "the guest kernel panicked (console: \"Kernel panic - not syncing: Attempted to kill init!\"); "
                        + "kvmtool exited normally",
                r.detail());
    }

    @Test
    void aKvmtoolGuestThatRebootedIsAGuestRebootNotAShutdown() {
        ExitRecord r = lkvm(0, false, ConsoleEnding.REBOOT, "reboot: Restarting system");
        assertEquals(ExitRecord.GUEST_REBOOT, r.how());
        assertEquals(Lifecycle.STOPPED, r.lifecycle());
    }

    @Test
    void aKvmtoolGuestThatPoweredOffIsAGuestShutdownThatSaysSo() {
        ExitRecord r = lkvm(0, false, ConsoleEnding.POWER_OFF, "reboot: Power down");
        assertEquals(ExitRecord.GUEST_SHUTDOWN, r.how());
        assertEquals("the guest powered off (console: \"reboot: Power down\"); kvmtool exited normally", r.detail());
    }

    @Test
    void aKvmtoolExitWithoutAnyKernelLineSaysTheConsoleShowedNone() {
        ExitRecord r = lkvm(0, false, null, null);
        assertEquals(ExitRecord.GUEST_SHUTDOWN, r.how());
        assertEquals(
                "kvmtool exited normally; the guest's console showed no power-off, reboot or panic line", r.detail());
        assertEquals(
                "kvmtool exited normally",
                LkvmExitClassifier.classify(VmmExit.of(0), false, ConsoleEnding.Seen.UNWATCHED, AT)
                        .detail(),
                "a console nobody watched (foreground) claims nothing");
    }

    @Test
    void aRebootAfterVmlaunchStopIsAHostStopButAPanicStaysAPanic() {
        assertEquals(
                ExitRecord.HOST_STOP,
                lkvm(0, true, ConsoleEnding.POWER_OFF, "reboot: Power down").how());
        assertEquals(
                ExitRecord.HOST_STOP,
                lkvm(0, true, ConsoleEnding.REBOOT, "reboot: Restarting system").how());
        assertEquals(
                ExitRecord.PANIC,
                lkvm(0, true, ConsoleEnding.PANIC, "Kernel panic - not syncing: x")
                        .how());
    }
}
