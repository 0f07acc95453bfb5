package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.driver.StopPolicy;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.driver.VmmProcess;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A guest in the foreground: the {@link Supervisor} in this process, the VMM on this terminal. Ctrl-C, SIGTERM or
 * SIGHUP ({@link StopSignals}) ask the guest to power down (a second one sends SIGTERM to the VMM, a third SIGKILL),
 * and the VMM never outlives us.
 *
 * <p>The VMM runs in its own session, so the terminal's SIGINT reaches only vmlaunch, which then stops the guest
 * through its {@link StopPolicy} instead of QEMU dying mid-write.
 */
public final class ForegroundRun {
    private static final Duration STOP_AT_EXIT = Duration.ofSeconds(3);

    private final Supervisor.Settings settings;
    private final Duration stopTimeout;
    private final PrintWriter err;
    private final AtomicInteger interrupts = new AtomicInteger();
    private final AtomicBoolean stopPending = new AtomicBoolean();
    private volatile Thread stopThread;

    public ForegroundRun(Supervisor.Settings settings, Duration stopTimeout, PrintWriter err) {
        this.settings = settings;
        this.stopTimeout = stopTimeout;
        this.err = err;
    }

    /**
     * Runs the guest to its end and returns how the VMM ended.
     *
     * @throws Supervisor.EndedBeforeReady the VMM ended before it was up
     */
    public VmmExit run() {
        Supervisor sup = new Supervisor(settings);
        StopSignals.handle(sig -> onInterrupt(sup, sig));
        Thread hook = new Thread(
                () -> sup.vmm().filter(VmmProcess::isAlive).ifPresent(v -> {
                    sup.requestStop();
                    sup.stopPolicy(false).stop(v, STOP_AT_EXIT, m -> {});
                }),
                "vmlaunch-stop-on-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            sup.start();
            if (stopPending.get()) {
                startStop(sup);
            }
            VmmExit exit = sup.awaitEnd();
            Thread t = stopThread;
            if (t != null) {
                try {
                    t.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (sup.setupFailure().isPresent()) {
                throw VmlaunchException.hostNotReady(
                        settings.argv().get(0) + " could not set up the guest as " + "configured: "
                                + sup.setupFailure().get() + " (stopped it rather than run the guest without it)");
            }
            return exit;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook does the rest.
            }
        }
    }

    private void onInterrupt(Supervisor sup, String signal) {
        int count = interrupts.incrementAndGet();
        if (count == 1) {
            err.println();
            err.println("vmlaunch: " + StopSignals.describe(signal) + ": stopping guest \""
                    + settings.spec().name() + "\" (Ctrl-C again to stop it at once)");
            err.flush();
            if (sup.vmm().isPresent()) {
                startStop(sup);
            } else {
                stopPending.set(true);
            }
            return;
        }
        sup.requestStop();
        sup.vmm().ifPresent(v -> {
            if (count == 2) {
                err.println("vmlaunch: stopping at once");
                err.flush();
                v.terminate();
            } else {
                v.kill();
            }
        });
    }

    private synchronized void startStop(Supervisor sup) {
        if (stopThread != null) {
            return;
        }
        VmmProcess v = sup.vmm().orElseThrow();
        sup.requestStop();
        Thread t = new Thread(
                () -> {
                    String how = sup.stopPolicy(false).stop(v, stopTimeout, m -> {
                        err.println("vmlaunch: " + m);
                        err.flush();
                    });
                    err.println("vmlaunch: guest \"" + settings.spec().name() + "\" stopped (" + how + ")");
                    err.flush();
                },
                "vmlaunch-stop");
        t.setDaemon(true);
        stopThread = t;
        t.start();
    }
}
