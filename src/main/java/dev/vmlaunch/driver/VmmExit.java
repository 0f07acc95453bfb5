package dev.vmlaunch.driver;

/** How a VMM process ended, from its wait status as Java reports it (signals as 128 + n). */
public record VmmExit(int status, boolean signalled, int signal) {

    public static VmmExit of(int javaExitValue) {
        if (javaExitValue > 128 && javaExitValue < 128 + 65) {
            return new VmmExit(javaExitValue, true, javaExitValue - 128);
        }
        return new VmmExit(javaExitValue, false, 0);
    }

    public boolean clean() {
        return !signalled && status == 0;
    }

    public String describe() {
        if (signalled) {
            return "was killed by signal " + signal + signalName();
        }
        return status == 0 ? "exited normally" : "exited with status " + status;
    }

    private String signalName() {
        return switch (signal) {
            case 9 -> " (SIGKILL)";
            case 15 -> " (SIGTERM)";
            case 6 -> " (SIGABRT)";
            case 11 -> " (SIGSEGV)";
            case 2 -> " (SIGINT)";
            default -> "";
        };
    }
}
