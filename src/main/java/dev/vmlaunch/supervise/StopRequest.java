package dev.vmlaunch.supervise;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;

/**
 * {@code stop-requested}: written before anything is sent to the VMM, so that whoever records the end (the
 * supervisor, or stop itself) records a host stop even when the guest's own SHUTDOWN says "guest-shutdown" (it
 * does, after the power button).
 */
final class StopRequest {
    private StopRequest() {}

    static void write(GuestDir dir) {
        try {
            Files.writeString(
                    dir.stopRequest(),
                    "{\"pid\": " + ProcessHandle.current().pid() + ", \"at\": \"" + Instant.now() + "\"}\n");
        } catch (IOException e) {
            // The end is then recorded from QEMU's SHUTDOWN reason alone.
        }
    }
}
