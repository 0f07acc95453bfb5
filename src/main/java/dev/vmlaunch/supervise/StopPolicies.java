package dev.vmlaunch.supervise;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Vmm;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.vmm.RunLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The stop sequence per VMM, as design.md fixes it. */
public final class StopPolicies {
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(3);

    private StopPolicies() {
    }

    /**
     * qemu: {@code system_powerdown} (the guest's ACPI/GPIO power button), then {@code quit}, over the CLI QMP socket
     * so it works whoever holds the supervisor's socket. lkvm: kvmtool's IPC STOP. Both end in SIGTERM, SIGKILL.
     */
    public static StopPolicy forGuest(GuestSpec spec, RunLayout layout) {
        if (spec.vmm() == Vmm.QEMU) {
            return new StopPolicy(List.of(qmpStep("system_powerdown", layout.qmpCliSocket()),
                    qmpStep("quit", layout.qmpCliSocket())));
        }
        return new StopPolicy(List.of());
    }

    static StopPolicy.Step qmpStep(String command, Path socket) {
        return new StopPolicy.Step() {
            @Override
            public String name() {
                return command;
            }

            @Override
            public void request(ProcessHandle vmm) throws Exception {
                try (QmpClient qmp = QmpClient.connect(socket, QMP_TIMEOUT)) {
                    if (command.equals("quit")) {
                        qmp.quit(QMP_TIMEOUT);
                    } else {
                        qmp.execute(command, QMP_TIMEOUT);
                    }
                }
            }
        };
    }
}
