package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Vmm;
import dev.vmlaunch.vmm.RunLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

/**
 * A guest in the foreground: the VMM on this terminal, Ctrl-C asks the guest to power down (a second Ctrl-C stops
 * it at once), and the VMM never outlives us.
 *
 * <p>The VMM runs in its own session ({@code setsid}) so that the terminal's SIGINT reaches only vmlaunch, which then
 * stops the guest through its {@link StopPolicy} instead of QEMU dying mid-write.
 */
public final class ForegroundRun {
    private final GuestSpec spec;
    private final RunLayout layout;
    private final StopPolicy policy;
    private final Duration stopTimeout;
    private final PrintWriter err;

    public ForegroundRun(GuestSpec spec, RunLayout layout, StopPolicy policy, Duration stopTimeout, PrintWriter err) {
        this.spec = spec;
        this.layout = layout;
        this.policy = policy;
        this.stopTimeout = stopTimeout;
        this.err = err;
    }

    /** Starts {@code argv}, waits for it to end, and returns how it ended. */
    public VmmExit run(List<String> argv) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT);
        // kvmtool reports a device it could not open on stderr and boots on without it; we watch for that.
        boolean watchStderr = spec.vmm() == Vmm.LKVM;
        pb.redirectError(watchStderr ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.INHERIT);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw VmlaunchException.hostNotReady("cannot start " + argv.get(0) + ": " + e.getMessage());
        }
        ProcessHandle vmm = p.toHandle();
        AtomicReference<String> fatal = new AtomicReference<>();
        Thread hook = new Thread(() -> {
            if (vmm.isAlive()) {
                policy.stop(vmm, Duration.ofSeconds(3), m -> { });
            }
        }, "vmlaunch-stop-on-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        AtomicInteger interrupts = new AtomicInteger();
        Signal.handle(new Signal("INT"), sig -> onInterrupt(vmm, interrupts.incrementAndGet()));
        Thread stderrPump = watchStderr ? pumpStderr(p, vmm, fatal) : null;
        int exit = waitUninterruptibly(p);
        if (stderrPump != null) {
            try {
                stderrPump.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook does the rest.
        }
        cleanSockets();
        if (fatal.get() != null) {
            throw VmlaunchException.hostNotReady(argv.get(0) + " could not set up the guest as configured: "
                    + fatal.get() + " (stopped it rather than run the guest without it)");
        }
        return VmmExit.of(exit);
    }

    private void onInterrupt(ProcessHandle vmm, int count) {
        if (count == 1) {
            err.println();
            err.println("vmlaunch: stopping guest \"" + spec.name() + "\" (Ctrl-C again to stop it at once)");
            err.flush();
            Thread t = new Thread(() -> {
                String how = policy.stop(vmm, stopTimeout, m -> {
                    err.println("vmlaunch: " + m);
                    err.flush();
                });
                err.println("vmlaunch: guest \"" + spec.name() + "\" stopped (" + how + ")");
                err.flush();
            }, "vmlaunch-stop");
            t.setDaemon(true);
            t.start();
        } else if (count == 2) {
            err.println("vmlaunch: stopping at once");
            err.flush();
            vmm.destroy();
        } else {
            vmm.destroyForcibly();
        }
    }

    private Thread pumpStderr(Process p, ProcessHandle vmm, AtomicReference<String> fatal) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    System.err.println(line);
                    if (LkvmErrors.isFatal(line) && fatal.compareAndSet(null, line.trim())) {
                        vmm.destroy();
                    }
                }
            } catch (IOException e) {
                // The VMM closed stderr; nothing more to watch.
            }
        }, "vmlaunch-vmm-stderr");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void cleanSockets() {
        for (Path s : List.of(layout.qmpSocket(), layout.qmpCliSocket(), layout.consoleSocket())) {
            try {
                Files.deleteIfExists(s);
            } catch (IOException e) {
                // Stale sockets are removed again at the next start.
            }
        }
    }

    private static int waitUninterruptibly(Process p) {
        while (true) {
            try {
                return p.waitFor();
            } catch (InterruptedException e) {
                // Keep waiting: the VMM's end is what we report.
            }
        }
    }
}
