package dev.vmlaunch.supervise;

import dev.vmlaunch.lkvm.LkvmIpc;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The stop sequence per VMM, as design.md fixes it. */
public final class StopPolicies {

    private StopPolicies() {
    }

    /**
     * qemu: {@code system_powerdown} (the guest's ACPI/GPIO power button), then {@code quit}, over the CLI QMP socket
     * so that it works whoever holds the supervisor's socket. With {@code force} the power button is skipped.
     */
    public static StopPolicy qemu(Path qmpCliSocket, boolean force) {
        QmpSteps qmp = new QmpSteps(qmpCliSocket);
        return new StopPolicy(force ? List.of(qmp.step("quit")) : List.of(qmp.step("system_powerdown"), qmp.step("quit")));
    }

    /** lkvm: kvmtool's IPC STOP (with {@code force}, straight to signals). */
    public static StopPolicy lkvm(Path ipcSocket, boolean force) {
        if (force) {
            return new StopPolicy(List.of());
        }
        return new StopPolicy(List.of(new StopPolicy.Step() {
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
        }));
    }

    /**
     * Both QMP steps use one socket; once it has not answered in time there is no point waiting on it a second
     * time, so a QMP that never answers costs one step's time, not two.
     */
    static final class QmpSteps {
        private final Path socket;
        private volatile String unresponsive;

        QmpSteps(Path socket) {
            this.socket = socket;
        }

        StopPolicy.Step step(String command) {
            return new StopPolicy.Step() {
                @Override
                public String name() {
                    return command;
                }

                @Override
                public boolean request(VmmProcess vmm, Duration budget) throws Exception {
                    if (unresponsive != null) {
                        throw new IllegalStateException("skipped: " + unresponsive);
                    }
                    try (QmpClient qmp = QmpClient.connect(socket, budget)) {
                        if (command.equals("quit")) {
                            qmp.quit(budget);
                        } else {
                            qmp.execute(command, budget);
                        }
                    } catch (QmpConnectException e) {
                        unresponsive = "QMP did not answer before";
                        throw e;
                    }
                    return true;
                }
            };
        }
    }
}
