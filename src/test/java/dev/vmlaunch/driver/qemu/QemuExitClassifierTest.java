package dev.vmlaunch.driver.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.qmp.QmpEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class QemuExitClassifierTest {
    private static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");
    private static final ObjectMapper M = new ObjectMapper();

    static QmpEvent shutdown(boolean guest, String reason) throws Exception {
        return new QmpEvent("SHUTDOWN", M.readTree("{\"guest\":" + guest + ",\"reason\":\"" + reason + "\"}"), AT);
    }

    static ExitRecord qemu(int status, boolean asked, QmpEvent shutdown, QmpEvent panic) {
        return QemuExitClassifier.classify(VmmExit.of(status), asked, shutdown, panic, AT);
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
}
