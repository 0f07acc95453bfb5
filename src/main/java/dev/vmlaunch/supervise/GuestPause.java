package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.lkvm.LkvmIpc;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code vmlaunch pause} / {@code resume}: stops or restarts a running guest's vCPUs and reads back the VMM's own
 * answer — QMP {@code stop}/{@code cont} then {@code query-status} over the CLI socket (the supervisor hears the
 * STOP/RESUME events and records "paused"), kvmtool's IPC PAUSE/RESUME then VMSTATE (kvmtool sends no events:
 * {@code list} and {@code status} ask VMSTATE, as {@code lkvm list} does).
 */
public final class GuestPause {
    private GuestPause() {}

    /** Returns what the VMM says now ("paused", "running"); throws a failure when it did not do it. */
    public static String apply(GuestRecords.Record r, boolean pause, Duration timeout) {
        if (r.isBroken()) {
            throw VmlaunchException.failure("guest \"" + r.name() + "\": " + r.broken());
        }
        if (!r.vmmAlive()) {
            throw VmlaunchException.failure(
                    "guest \"" + r.name() + "\" is not running (" + r.shown().json() + ")");
        }
        GuestState s = r.state();
        String want = pause ? "paused" : "running";
        String now = "lkvm".equals(s.vmm())
                ? lkvm(Path.of(s.lkvmSocket()), pause, timeout)
                : qemu(Path.of(s.qmpCliSocket()), pause, timeout);
        if (!now.equals(want)) {
            throw VmlaunchException.failure("guest \"" + r.name() + "\" is " + now + " after "
                    + (pause ? "pause" : "resume") + " (its VMM did not do it)");
        }
        return now;
    }

    private static String lkvm(Path socket, boolean pause, Duration timeout) {
        try (LkvmIpc ipc = LkvmIpc.connect(socket, timeout)) {
            if (pause) {
                ipc.pause();
            } else {
                ipc.resume();
            }
            // kvmtool handles a connection's requests in order: VMSTATE answers after the PAUSE/RESUME took effect.
            return ipc.vmState().json();
        } catch (IOException e) {
            throw VmlaunchException.failure("kvmtool did not answer on " + socket + ": " + e.getMessage());
        }
    }

    private static String qemu(Path socket, boolean pause, Duration timeout) {
        try (QmpClient qmp = QmpClient.connect(socket, timeout)) {
            qmp.execute(pause ? "stop" : "cont", timeout);
            QmpStatus st = qmp.queryStatus(timeout);
            return st.running() ? "running" : st.status().equals("paused") ? "paused" : st.status();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw VmlaunchException.failure("interrupted");
        } catch (Exception e) {
            throw VmlaunchException.failure(
                    "QEMU did not " + (pause ? "pause" : "resume") + " (" + socket + "): " + e.getMessage());
        }
    }

    /** kvmtool's own word on a live guest: "paused", "running", or null when it does not answer in time. */
    public static String lkvmState(Path socket, Duration timeout) {
        try (LkvmIpc ipc = LkvmIpc.connect(socket, timeout)) {
            return ipc.vmState().json();
        } catch (IOException e) {
            return null;
        }
    }
}
