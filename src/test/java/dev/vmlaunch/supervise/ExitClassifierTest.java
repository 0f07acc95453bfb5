package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmlaunch.console.ConsoleEnding;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.qmp.QmpEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ExitClassifierTest {
    private static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");
    private static final ObjectMapper M = new ObjectMapper();

    static QmpEvent shutdown(boolean guest, String reason) throws Exception {
        return new QmpEvent("SHUTDOWN", M.readTree("{\"guest\":" + guest + ",\"reason\":\"" + reason + "\"}"), AT);
    }

    static ExitRecord qemu(int status, boolean asked, QmpEvent shutdown, QmpEvent panic) {
        return ExitClassifier.classify(false, VmmExit.of(status), asked, shutdown, panic, AT);
    }

    @Test
    void theGuestPoweringItselfOffIsAGuestShutdown() throws Exception {
        ExitRecord r = qemu(0, false, shutdown(true, "guest-shutdown"), null);
        assertEquals(ExitRecord.GUEST_SHUTDOWN, r.how());
        assertEquals(Lifecycle.STOPPED, r.lifecycle());
        assertEquals(0, r.status());
    }

    @Test
    void thePowerButtonPressedByStopIsAHostStopThoughTheGuestShutsDown() throws Exception {
        assertEquals(
                ExitRecord.HOST_STOP,
                qemu(0, true, shutdown(true, "guest-shutdown"), null).how());
    }

    @Test
    void aSigtermFromOutsideVmlaunchIsAHostStop() throws Exception {
        ExitRecord r = qemu(0, false, shutdown(false, "host-signal"), null);
        assertEquals(ExitRecord.HOST_STOP, r.how());
        assertEquals(Lifecycle.STOPPED, r.lifecycle());
    }

    @Test
    void sigkillNobodyAskedForIsACrash() {
        ExitRecord r = qemu(128 + 9, false, null, null);
        assertEquals(ExitRecord.CRASH_SIGNAL, r.how());
        assertEquals(9, r.signal());
        assertEquals(Lifecycle.CRASHED, r.lifecycle());
    }

    @Test
    void sigkillAsTheLastStepOfStopIsAHostStop() {
        assertEquals(ExitRecord.HOST_STOP, qemu(128 + 9, true, null, null).how());
    }

    @Test
    void aPanicWinsOverEverythingElse() throws Exception {
        QmpEvent panic = new QmpEvent("GUEST_PANICKED", M.readTree("{\"action\":\"pause\"}"), AT);
        ExitRecord r = qemu(0, true, shutdown(false, "host-qmp-quit"), panic);
        assertEquals(ExitRecord.PANIC, r.how());
        assertEquals(Lifecycle.CRASHED, r.lifecycle());
    }

    @Test
    void anErrorStatusIsAVmmError() {
        ExitRecord r = qemu(1, false, null, null);
        assertEquals(ExitRecord.VMM_ERROR, r.how());
        assertEquals(Lifecycle.CRASHED, r.lifecycle());
    }

    @Test
    void kvmtoolExitingCleanlyIsTheGuestShuttingDown() {
        assertEquals(
                ExitRecord.GUEST_SHUTDOWN,
                ExitClassifier.classify(true, VmmExit.of(0), false, null, null, AT)
                        .how());
    }

    static ExitRecord lkvm(int status, boolean asked, ConsoleEnding ending, String line) {
        return ExitClassifier.classify(
                true, VmmExit.of(status), asked, null, null, new ConsoleEnding.Seen(true, ending, line), AT);
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
                ExitClassifier.classify(true, VmmExit.of(0), false, null, null, AT)
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
