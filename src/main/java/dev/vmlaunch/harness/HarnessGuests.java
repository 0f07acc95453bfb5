package dev.vmlaunch.harness;

import dev.vmlaunch.config.GuestSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** How the harness starts guests: under the supervisor for real, by a fake in the harness's own unit tests. */
public interface HarnessGuests {

    /** Starts {@code spec} (binding its managed devices first) and returns once the VMM runs. */
    RunningGuest start(GuestSpec spec) throws Exception;

    /** A started guest. */
    interface RunningGuest {
        String name();

        boolean isAlive();

        /** How the VMM ended, once it has. */
        Optional<String> ended();

        /** Stops the guest (gently, then not) and restores its managed devices; returns when both are done. */
        void stop(Duration timeout);

        /** Where its console went, or null. */
        Path consoleLog();

        /**
         * The unix socket its console is served on (qemu's chardev socket; kvmtool's console.sock where the
         * supervisor serves one), for the console driver; empty when it has none.
         */
        default Optional<Path> consoleSocket() {
            return Optional.empty();
        }
    }
}
