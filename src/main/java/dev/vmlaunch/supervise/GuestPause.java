package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import java.time.Duration;

/**
 * {@code vmlaunch pause} / {@code resume}: stops or restarts a running guest's vCPUs through its driver and reads back
 * the VMM's own answer (QMP stop/cont then query-status; kvmtool's IPC PAUSE/RESUME then VMSTATE).
 */
public final class GuestPause {
    private GuestPause() {}

    /** Returns what the VMM says now ("paused", "running"); throws a failure when it did not do it. */
    public static String apply(RecordedGuests.Record r, boolean pause, Duration timeout) {
        if (r.isBroken()) {
            throw VmlaunchException.failure("guest \"" + r.name() + "\": " + r.broken());
        }
        if (!r.vmmAlive()) {
            throw VmlaunchException.failure(
                    "guest \"" + r.name() + "\" is not running (" + r.shown().json() + ")");
        }
        GuestState s = r.state();
        String want = pause ? "paused" : "running";
        String now = s.driver().pauseOrResume(s.endpoints(), pause, timeout);
        if (!now.equals(want)) {
            throw VmlaunchException.failure("guest \"" + r.name() + "\" is " + now + " after "
                    + (pause ? "pause" : "resume") + " (its VMM did not do it)");
        }
        return now;
    }
}
