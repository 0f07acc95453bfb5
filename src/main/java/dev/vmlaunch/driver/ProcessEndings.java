package dev.vmlaunch.driver;

/**
 * The endings every VMM's exit classifier tells the same way from the wait status alone: asked for by vmlaunch,
 * killed by a signal nobody asked for, an error status.
 */
public final class ProcessEndings {
    private ProcessEndings() {}

    public static Integer status(VmmExit exit) {
        return exit.signalled() ? null : exit.status();
    }

    public static Integer signal(VmmExit exit) {
        return exit.signalled() ? exit.signal() : null;
    }

    public static ExitRecord hostStop(VmmExit exit, String at) {
        return new ExitRecord(
                ExitRecord.HOST_STOP,
                status(exit),
                signal(exit),
                "stopped by vmlaunch; the VMM " + exit.describe(),
                at);
    }

    public static ExitRecord crashSignal(VmmExit exit, String at) {
        return new ExitRecord(ExitRecord.CRASH_SIGNAL, null, signal(exit), "the VMM " + exit.describe(), at);
    }

    public static ExitRecord vmmError(VmmExit exit, String at) {
        return new ExitRecord(ExitRecord.VMM_ERROR, status(exit), null, "the VMM " + exit.describe(), at);
    }
}
