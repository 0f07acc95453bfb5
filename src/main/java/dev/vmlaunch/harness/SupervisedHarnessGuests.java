package dev.vmlaunch.harness;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.GuestDir;
import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.Supervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Guests for the harness (and the lab), each under a {@link Supervisor} in this process with its console on a
 * socket and in its log: they show in {@code vmlaunch list}, their managed devices are bound and given back, and
 * whatever ends them is recorded like any other guest's.
 */
public final class SupervisedHarnessGuests implements HarnessGuests {
    private final Path stateRoot;
    private final Duration readyTimeout;
    private final Map<String, String> env;
    private final Consumer<String> log;

    public SupervisedHarnessGuests(
            Path stateRoot, Duration readyTimeout, Map<String, String> env, Consumer<String> log) {
        this.stateRoot = StateRoot.ensureDir(stateRoot);
        this.readyTimeout = readyTimeout;
        this.env = env;
        this.log = log;
    }

    @Override
    public RunningGuest start(GuestSpec spec) {
        Supervisor.Settings settings = Supervisor.Settings.socketConsole(
                spec, stateRoot, env, readyTimeout, () -> {}, m -> log.accept(spec.name() + ": " + m));
        GuestDir dir = settings.dir();
        List<String> argv = settings.argv();
        Supervisor sup = new Supervisor(settings);
        sup.start();
        AtomicReference<VmmExit> ended = new AtomicReference<>();
        Thread watcher = new Thread(() -> ended.set(sup.awaitEnd()), "vmlaunch-guest-" + spec.name());
        watcher.setDaemon(true);
        watcher.start();
        return new RunningGuest() {
            @Override
            public String name() {
                return spec.name();
            }

            @Override
            public boolean isAlive() {
                return ended.get() == null && sup.vmm().map(VmmProcess::isAlive).orElse(false);
            }

            @Override
            public Optional<String> ended() {
                VmmExit e = ended.get();
                if (e != null) {
                    // How the supervisor judged it (a kvmtool guest's panic or reboot is told from its console).
                    ExitRecord how = sup.state().exit();
                    return Optional.of(argv.get(0) + " " + e.describe()
                            + (how == null ? "" : " (" + how.how() + ": " + how.detail() + ")"));
                }
                return isAlive() ? Optional.empty() : Optional.of(argv.get(0) + " ended");
            }

            @Override
            public synchronized void stop(Duration timeout) {
                sup.vmm().filter(VmmProcess::isAlive).ifPresent(v -> {
                    sup.requestStop();
                    sup.stopPolicy(false).stop(v, timeout, m -> log.accept(spec.name() + ": " + m));
                });
                try {
                    // The supervisor records the end and gives the devices back once it sees the VMM go.
                    watcher.join(timeout.toMillis() + 10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public Path consoleLog() {
                return dir.consoleLog();
            }

            @Override
            public Optional<Path> consoleSocket() {
                // What the supervisor recorded: it serves a console socket only where it has one for this VMM.
                return Optional.ofNullable(sup.state())
                        .map(GuestState::consoleSocket)
                        .map(Path::of);
            }
        };
    }
}
