package dev.vmlaunch;

/** The process exit codes, as documented in README.md. */
public final class ExitCodes {
    public static final int OK = 0;
    /** Runtime failure: the VMM failed, a check or a test failed. */
    public static final int FAILURE = 1;
    /** Usage or configuration error: nothing was started or changed. */
    public static final int USAGE = 2;
    /** The host is not ready: preflight or group viability failed. */
    public static final int HOST_NOT_READY = 3;

    private ExitCodes() {}
}
