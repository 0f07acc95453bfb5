package dev.vmlaunch.driver;

import java.nio.file.Path;

/**
 * Where a running guest's VMM is reached, as recorded in state.json. Each field is null where this VMM or this run
 * has none.
 *
 * @param qmpCliSocket       qemu's QMP socket for the CLI (stop, pause, status)
 * @param ipcSocket          kvmtool's IPC socket ({@code ~/.lkvm/NAME.sock})
 * @param consoleSocket      console.sock, where the supervisor or the VMM serves the guest's console
 * @param stopConsoleCommand what a graceful stop types on the guest's console first
 */
public record VmmEndpoints(Path qmpCliSocket, Path ipcSocket, Path consoleSocket, String stopConsoleCommand) {

    /** From state.json's strings. */
    public static VmmEndpoints recorded(
            String qmpCliSocket, String ipcSocket, String consoleSocket, String stopConsoleCommand) {
        return new VmmEndpoints(path(qmpCliSocket), path(ipcSocket), path(consoleSocket), stopConsoleCommand);
    }

    private static Path path(String p) {
        return p == null ? null : Path.of(p);
    }

    static String string(Path p) {
        return p == null ? null : p.toString();
    }
}
