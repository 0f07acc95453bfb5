package dev.vmlaunch.cli;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.RecordedGuests;
import java.nio.file.Path;
import java.util.Optional;

/** The guest an {@code attach} or {@code detach} is for: a running qemu guest vmlaunch started, else exit 2. */
final class HotplugTarget {
    private HotplugTarget() {}

    static RecordedGuests.Record find(Path root, String name) {
        RecordedGuests.Record r = RecordedGuests.find(root, name)
                .orElseThrow(() -> VmlaunchException.usage("no guest named \"" + name + "\" (see 'vmlaunch list')"));
        if (r.isBroken()) {
            throw VmlaunchException.usage("guest \"" + name + "\" has an unreadable state (" + r.broken() + ")");
        }
        Optional<String> refusal = r.state().driver().hotplugRefusal();
        if (refusal.isPresent()) {
            throw VmlaunchException.usage("guest \"" + name + "\" " + refusal.get() + ": list the "
                    + "device in its guest.json \"passthrough\" and start it again");
        }
        if (!r.vmmAlive() || r.state().qmpCliSocket() == null) {
            throw VmlaunchException.usage(
                    "guest \"" + name + "\" is not running (" + r.shown().json() + ")");
        }
        return r;
    }

    static Path stateRoot() {
        return StateRoot.resolve();
    }
}
