package dev.vmlaunch.vmm;

import java.nio.file.Path;

/**
 * Where one guest's runtime files live (its folder in the state directory) and how its console is wired.
 *
 * @param runDir      the guest's folder, e.g. /run/vmlaunch/NAME
 * @param consoleMode {@link ConsoleMode#STDIO} for a foreground run, {@link ConsoleMode#SOCKET} when detached
 */
public record RunLayout(Path runDir, ConsoleMode consoleMode) {

    public enum ConsoleMode {
        /** The guest console is this terminal (foreground run). */
        STDIO,
        /** The guest console is a unix socket in the run directory (detached run; `vmlaunch console`). */
        SOCKET
    }

    /** QMP socket held by the supervisor (events). */
    public Path qmpSocket() {
        return runDir.resolve("qmp.sock");
    }

    /** Second QMP socket, for CLI commands (stop, status) — works even when the supervisor is gone. */
    public Path qmpCliSocket() {
        return runDir.resolve("qmp-cli.sock");
    }

    public Path consoleSocket() {
        return runDir.resolve("console.sock");
    }

    /** Everything the guest printed on its console, also in a foreground run. */
    public Path consoleLog() {
        return runDir.resolve("console.log");
    }
}
