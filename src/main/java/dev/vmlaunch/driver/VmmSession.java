package dev.vmlaunch.driver;

import dev.vmlaunch.affinity.AppliedAffinity;
import dev.vmlaunch.affinity.VmmPinner;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.qmp.QmpEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * One run of a VMM as the supervisor drives it: {@link #wire} the spawn, {@link #started}, {@link #awaitReady},
 * {@link #pin}; once the process has ended {@link #drain} and {@link #classify}; {@link #close} always, or
 * {@link #abandon} for a start that failed.
 */
public interface VmmSession extends AutoCloseable {

    /**
     * @param endpoints    where this run is reached ({@link VmmDriver#endpoints})
     * @param consoleLog   the guest's console.log
     * @param vmmLog       vmm.log, the detached VMM's stdout and stderr where the driver does not own them
     * @param foreground   the VMM shares this terminal
     * @param readyTimeout how long {@link #awaitReady} may take
     * @param argv         the VMM's command line (its first word names it in messages)
     */
    record Context(
            GuestSpec spec,
            VmmEndpoints endpoints,
            Path qmpSocket,
            Path consoleLog,
            Path vmmLog,
            boolean foreground,
            Duration readyTimeout,
            java.util.List<String> argv,
            Events events,
            Consumer<String> log) {

        public String binary() {
            return argv.get(0);
        }
    }

    /** What the supervisor records as the VMM reports it. */
    interface Events {
        void qmp(QmpEvent e);

        /** The vCPUs stopped (the VMM said so). */
        void paused();

        void resumed();

        /** The guest crashed while the VMM still runs (a panicked guest QEMU keeps paused). */
        void crashed(ExitRecord how);

        /** The VMM printed a line saying it cannot run the guest as configured (it is being stopped). */
        void vmmError(String line);
    }

    /** Console wiring: the VMM's stdin, stdout and stderr. */
    void wire(ProcessBuilder spawn);

    /** The VMM was spawned. */
    void started(Process process, VmmProcess vmm);

    /**
     * Returns true once the guest is up, false when the VMM ended before that.
     *
     * @throws dev.vmlaunch.VmlaunchException it did not get ready in time, or cannot run the guest as configured
     */
    boolean awaitReady();

    /** cpuAffinity / vcpuPin, once ready. */
    AppliedAffinity pin(dev.vmlaunch.config.Affinity affinity, VmmPinner pinner, Duration timeout);

    /** Why the VMM cannot run this guest as configured, when it said so (an "Error: ... vfio" line). */
    java.util.Optional<String> setupFailure();

    /** The last lines the VMM printed, for a failure message ("" when they went to the terminal). */
    String outputTail();

    /** After the process ended: takes in what it said last (events, console lines). */
    void drain();

    /** How the run ended, once the process ended and {@link #drain} ran. */
    ExitRecord classify(VmmExit exit, boolean stopRequested, Instant at);

    /** How a run that ended before it was ready ended (nothing was asked of it). */
    ExitRecord classifyBeforeReady(VmmExit exit, Instant at);

    /** The start failed (the VMM was killed, or never ran): takes in its last output, then {@link #close}s. */
    void abandon();

    /** Releases what the session holds (QMP connection, the console's terminal); idempotent. */
    @Override
    void close();
}
