package dev.vmlaunch.driver.qemu;

import dev.vmlaunch.driver.StopPolicy;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * qemu's stop sequence: the gentlest request first (the guest's power button), then the next step only when a step's
 * deadline passes; signals come last (StopPolicy).
 */
public final class QemuStopPolicy {

    private QemuStopPolicy() {}

    /**
     * qemu: {@code system_powerdown} (the guest's ACPI/GPIO power button), then {@code quit}, over the CLI QMP socket
     * so that it works whoever holds the supervisor's socket. With {@code force} the power button is skipped.
     */
    public static StopPolicy of(Path qmpCliSocket, boolean force) {
        return of(qmpCliSocket, force, System::nanoTime);
    }

    /**
     * A press before the guest's ACPI (x86) or GPIO (arm64 virt) power-button handler is up is lost: measured, a
     * stop 8 s after {@code run -d} of the x86 test image waited out its whole timeout once in three tries. Pressing
     * again every few seconds costs nothing once the guest is shutting down (the handler is already running).
     */
    static final Duration POWER_BUTTON_EVERY = Duration.ofSeconds(3);

    public static StopPolicy of(Path qmpCliSocket, boolean force, java.util.function.LongSupplier nanoTime) {
        QmpSteps qmp = new QmpSteps(qmpCliSocket);
        return new StopPolicy(
                force ? List.of(qmp.step("quit")) : List.of(qmp.powerButton(), qmp.step("quit")), nanoTime);
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

        /** system_powerdown, pressed again every {@link #POWER_BUTTON_EVERY} until the guest is gone. */
        StopPolicy.Step powerButton() {
            StopPolicy.Step press = step("system_powerdown");
            return new StopPolicy.Step() {
                @Override
                public String name() {
                    return press.name();
                }

                @Override
                public boolean request(VmmProcess vmm, Duration budget) throws Exception {
                    // One press must not take the whole step's time: the next press is due soon.
                    return press.request(vmm, budget.compareTo(POWER_BUTTON_EVERY) < 0 ? budget : POWER_BUTTON_EVERY);
                }

                @Override
                public Duration repeatEvery() {
                    return POWER_BUTTON_EVERY;
                }

                @Override
                public String ended(int sent, Duration took) {
                    return "power button pressed " + StopPolicy.times(sent) + "; guest powered off after "
                            + String.format(java.util.Locale.ROOT, "%.1f s", took.toMillis() / 1000.0);
                }
            };
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
