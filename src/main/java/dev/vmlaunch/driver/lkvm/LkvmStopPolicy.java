package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.driver.StopPolicy;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.lkvm.LkvmIpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * kvmtool's stop sequence: the guest's shell asked first where the supervisor owns its console, then kvmtool's IPC
 * STOP; signals come last (StopPolicy).
 */
public final class LkvmStopPolicy {

    private LkvmStopPolicy() {}

    /** lkvm: kvmtool's IPC STOP (with {@code force}, straight to signals). */
    public static StopPolicy of(Path ipcSocket, boolean force) {
        return of(ipcSocket, null, null, force);
    }

    /**
     * lkvm: {@code consoleCommand} typed on the guest's console (console.sock, when there is one and the command
     * is not null), then kvmtool's IPC STOP (an immediate teardown); with {@code force}, straight to signals.
     */
    public static StopPolicy of(Path ipcSocket, Path consoleSocket, String consoleCommand, boolean force) {
        if (force) {
            return new StopPolicy(List.of());
        }
        StopPolicy.Step ipcStop = new StopPolicy.Step() {
            @Override
            public String name() {
                return "IPC STOP";
            }

            @Override
            public boolean request(VmmProcess vmm, Duration budget) throws Exception {
                try (LkvmIpc ipc = LkvmIpc.connect(ipcSocket, budget)) {
                    ipc.stop();
                }
                return true;
            }
        };
        if (consoleSocket == null || consoleCommand == null) {
            return new StopPolicy(List.of(ipcStop));
        }
        return new StopPolicy(List.of(new LkvmConsoleStop(ipcSocket, consoleSocket, consoleCommand), ipcStop));
    }
}
