package dev.vmlaunch;

/**
 * An error a user can act on. Its message is printed as one line, without a stack trace,
 * and the process exits with {@link #exitCode()}.
 */
public class VmlaunchException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public VmlaunchException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public VmlaunchException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** A bad guest.json, bad arguments or another usage error: exit 2. */
    public static VmlaunchException usage(String message) {
        return new VmlaunchException(ExitCodes.USAGE, message);
    }

    /** The host cannot run this guest as it is (preflight, viability): exit 3. */
    public static VmlaunchException hostNotReady(String message) {
        return new VmlaunchException(ExitCodes.HOST_NOT_READY, message);
    }

    /** Something failed at run time (the VMM, a check): exit 1. */
    public static VmlaunchException failure(String message) {
        return new VmlaunchException(ExitCodes.FAILURE, message);
    }

    public static VmlaunchException failure(String message, Throwable cause) {
        return new VmlaunchException(ExitCodes.FAILURE, message, cause);
    }
}
