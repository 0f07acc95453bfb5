package dev.vmlaunch.driver.qemu;

import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.ProcessEndings;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.qmp.QmpEvent;
import java.time.Instant;

/**
 * Tells how a qemu guest ended from what the supervisor saw: QMP's SHUTDOWN and GUEST_PANICKED events, whether
 * {@code vmlaunch stop} asked for it, and the VMM's wait status.
 */
public final class QemuExitClassifier {
    private QemuExitClassifier() {}

    /**
     * @param exit          the VMM's wait status
     * @param stopRequested {@code vmlaunch stop} (or Ctrl-C) was asking it to end
     * @param shutdown      the SHUTDOWN event, null when none came
     * @param panic         the GUEST_PANICKED event, null when none came
     */
    public static ExitRecord classify(
            VmmExit exit, boolean stopRequested, QmpEvent shutdown, QmpEvent panic, Instant at) {
        String ts = at.toString();
        Integer status = ProcessEndings.status(exit);
        String ended = exit.describe();
        if (panic != null) {
            return new ExitRecord(
                    ExitRecord.PANIC,
                    status,
                    ProcessEndings.signal(exit),
                    "the guest kernel panicked (GUEST_PANICKED " + panic.data() + "); the VMM " + ended,
                    ts);
        }
        if (stopRequested) {
            return ProcessEndings.hostStop(exit, ts);
        }
        if (exit.signalled()) {
            return ProcessEndings.crashSignal(exit, ts);
        }
        if (shutdown != null) {
            boolean byGuest = shutdown.data().path("guest").asBoolean(false);
            String reason = shutdown.data().path("reason").asText("");
            String why = "SHUTDOWN" + (reason.isEmpty() ? "" : " reason " + reason) + "; the VMM " + ended;
            if (byGuest) {
                return new ExitRecord(ExitRecord.GUEST_SHUTDOWN, status, null, why, ts);
            }
            String who = reason.equals("host-signal")
                    ? " (a signal from outside vmlaunch)"
                    : reason.startsWith("host-qmp") ? " (a QMP client other than vmlaunch)" : "";
            return new ExitRecord(ExitRecord.HOST_STOP, status, null, why + who, ts);
        }
        if (exit.status() != 0) {
            return ProcessEndings.vmmError(exit, ts);
        }
        return new ExitRecord(
                ExitRecord.GUEST_SHUTDOWN, status, null, "the VMM exited normally without a SHUTDOWN event", ts);
    }
}
