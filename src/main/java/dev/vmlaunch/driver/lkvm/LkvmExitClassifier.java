package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.console.ConsoleEnding;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.ProcessEndings;
import dev.vmlaunch.driver.VmmExit;
import java.time.Instant;

/**
 * Tells how a kvmtool guest ended. kvmtool sends no events and its exit status is 0 for a power-off, a reboot and a
 * panic alike: what the guest kernel said last on its console tells them apart.
 */
public final class LkvmExitClassifier {
    private LkvmExitClassifier() {}

    /**
     * @param exit          the VMM's wait status
     * @param stopRequested {@code vmlaunch stop} (or Ctrl-C) was asking it to end
     * @param console       what the guest kernel said last on its console about how it ends
     */
    public static ExitRecord classify(VmmExit exit, boolean stopRequested, ConsoleEnding.Seen console, Instant at) {
        ConsoleEnding ending = console.ending();
        String endingLine = console.line();
        String ts = at.toString();
        Integer status = ProcessEndings.status(exit);
        String ended = exit.describe();
        String said = endingLine == null ? "" : " (console: \"" + endingLine.strip() + "\")";
        if (ending == ConsoleEnding.PANIC) {
            // kvmtool boots Linux with panic=1: the panicked kernel reboots a second later and kvmtool exits
            // "normally".
            return new ExitRecord(
                    ExitRecord.PANIC,
                    status,
                    ProcessEndings.signal(exit),
                    "the guest kernel panicked" + said + "; kvmtool " + ended,
                    ts);
        }
        if (stopRequested) {
            return ProcessEndings.hostStop(exit, ts);
        }
        if (exit.signalled()) {
            return ProcessEndings.crashSignal(exit, ts);
        }
        if (exit.status() != 0) {
            return ProcessEndings.vmmError(exit, ts);
        }
        if (ending == ConsoleEnding.REBOOT) {
            return new ExitRecord(
                    ExitRecord.GUEST_REBOOT,
                    status,
                    null,
                    "the guest rebooted" + said + "; kvmtool ends on a guest reboot (reboot=k) and exited normally",
                    ts);
        }
        if (ending == ConsoleEnding.POWER_OFF) {
            return new ExitRecord(
                    ExitRecord.GUEST_SHUTDOWN,
                    status,
                    null,
                    "the guest powered off" + said + "; kvmtool exited normally",
                    ts);
        }
        return new ExitRecord(
                ExitRecord.GUEST_SHUTDOWN,
                status,
                null,
                "kvmtool exited normally"
                        + (console.watched() ? "; the guest's console showed no power-off, reboot or panic line" : ""),
                ts);
    }
}
