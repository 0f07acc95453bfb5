package dev.vmlaunch.harness;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;

/**
 * A guest left something in its share that the host refuses to touch: a symlink, FIFO, device node or directory
 * where a regular file belongs, a file over the read cap, or a result it cannot authenticate. The guest fails; the
 * host never follows, opens or reads past it.
 */
public final class ShareTamperedException extends VmlaunchException {
    private static final long serialVersionUID = 1L;
    private final String relative;
    private final String what;

    /** {@code relative} is the path below the share, {@code what} how it is wrong ("a symlink"). */
    public ShareTamperedException(String relative, String what) {
        super(ExitCodes.FAILURE, relative + " is " + what);
        this.relative = relative;
        this.what = what;
    }

    public String relative() {
        return relative;
    }

    public String what() {
        return what;
    }

    /** The one line for a report: {@code guest virt1 made .vmlaunch/virt1/stop a symlink}. */
    public String byGuest(String guest) {
        if (what.startsWith("gone")) {
            return "guest " + guest + " removed " + relative + " from its share";
        }
        return "guest " + guest + " made " + relative + " " + what + "; the host does not follow or open it";
    }
}
