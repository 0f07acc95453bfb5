package dev.vmlaunch.supervise;

import dev.vmlaunch.console.ConsoleEnding;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.qmp.QmpEvent;
import java.time.Instant;

/**
 * Tells how a guest ended from what the supervisor saw: QMP's SHUTDOWN and GUEST_PANICKED events, whether
 * {@code vmlaunch stop} asked for it, and the VMM's wait status.
 */
public final class ExitClassifier {
    private ExitClassifier() {}

    /**
     * @param lkvm          kvmtool sends no events; its clean exit is the guest powering off
     * @param exit          the VMM's wait status
     * @param stopRequested {@code vmlaunch stop} (or Ctrl-C) was asking it to end
     * @param shutdown      the SHUTDOWN event, null when none came
     * @param panic         the GUEST_PANICKED event, null when none came
     */
    public static ExitRecord classify(
            boolean lkvm, VmmExit exit, boolean stopRequested, QmpEvent shutdown, QmpEvent panic, Instant at) {
        return classify(lkvm, exit, stopRequested, shutdown, panic, ConsoleEnding.Seen.UNWATCHED, at);
    }

    /**
     * @param console kvmtool: what the guest kernel said last on its console about how it ends (kvmtool's exit
     *                status is 0 for a power-off, a reboot and a panic alike)
     */
    public static ExitRecord classify(
            boolean lkvm,
            VmmExit exit,
            boolean stopRequested,
            QmpEvent shutdown,
            QmpEvent panic,
            ConsoleEnding.Seen console,
            Instant at) {
        ConsoleEnding ending = console.ending();
        String endingLine = console.line();
        String ts = at.toString();
        Integer status = exit.signalled() ? null : exit.status();
        Integer signal = exit.signalled() ? exit.signal() : null;
        String ended = exit.describe();
        if (panic != null) {
            return new ExitRecord(
                    ExitRecord.PANIC,
                    status,
                    signal,
                    "the guest kernel panicked (GUEST_PANICKED " + panic.data() + "); the VMM " + ended,
                    ts);
        }
        String said = endingLine == null ? "" : " (console: \"" + endingLine.strip() + "\")";
        if (lkvm && ending == ConsoleEnding.PANIC) {
            // kvmtool boots Linux with panic=1: the panicked kernel reboots a second later and kvmtool exits
            // "normally".
            return new ExitRecord(
                    ExitRecord.PANIC, status, signal, "the guest kernel panicked" + said + "; kvmtool " + ended, ts);
        }
        if (stopRequested) {
            return new ExitRecord(ExitRecord.HOST_STOP, status, signal, "stopped by vmlaunch; the VMM " + ended, ts);
        }
        if (exit.signalled()) {
            return new ExitRecord(ExitRecord.CRASH_SIGNAL, null, signal, "the VMM " + ended, ts);
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
            return new ExitRecord(ExitRecord.VMM_ERROR, status, null, "the VMM " + ended, ts);
        }
        if (lkvm && ending == ConsoleEnding.REBOOT) {
            return new ExitRecord(
                    ExitRecord.GUEST_REBOOT,
                    status,
                    null,
                    "the guest rebooted" + said + "; kvmtool ends on a guest reboot (reboot=k) and exited normally",
                    ts);
        }
        if (lkvm && ending == ConsoleEnding.POWER_OFF) {
            return new ExitRecord(
                    ExitRecord.GUEST_SHUTDOWN,
                    status,
                    null,
                    "the guest powered off" + said + "; kvmtool exited normally",
                    ts);
        }
        if (lkvm) {
            return new ExitRecord(
                    ExitRecord.GUEST_SHUTDOWN,
                    status,
                    null,
                    "kvmtool exited normally"
                            + (console.watched()
                                    ? "; the guest's console showed no power-off, reboot or panic line"
                                    : ""),
                    ts);
        }
        return new ExitRecord(
                ExitRecord.GUEST_SHUTDOWN, status, null, "the VMM exited normally without a SHUTDOWN event", ts);
    }
}
