package dev.vmlaunch.vfio;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;

/**
 * A VFIO probe that failed, with the step, the errno (0 when the kernel answered but the answer is unusable, such
 * as a group that is not viable) and a message that says what to do about it.
 */
public final class VfioException extends VmlaunchException {
    private static final long serialVersionUID = 1L;
    private final VfioStep step;
    private final int errno;

    public VfioException(VfioStep step, int errno, int exitCode, String message) {
        super(exitCode, message);
        this.step = step;
        this.errno = errno;
    }

    public VfioException(VfioStep step, int errno, String message) {
        this(step, errno, ExitCodes.HOST_NOT_READY, message);
    }

    public VfioStep step() {
        return step;
    }

    /** The errno of the failed call, or 0 when no call failed. */
    public int errno() {
        return errno;
    }
}
