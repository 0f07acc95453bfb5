package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.affinity.AppliedAffinity;
import dev.vmlaunch.affinity.LkvmPinning;
import dev.vmlaunch.affinity.VmmPinner;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.console.ConsoleEnding;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.driver.VmmOutputTail;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.driver.VmmSession;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.lkvm.LkvmIpc;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One kvmtool run: it is up once its IPC socket answers (and, with passthrough, it holds the VFIO container). It
 * sends no events: a detached kvmtool's terminal is the supervisor's ({@link LkvmConsole}), and what the guest
 * kernel says last there tells a power-off, a reboot and a panic apart; its "Error: ... vfio" lines stop it.
 */
final class LkvmSession implements VmmSession {
    private static final Duration EVENT_DRAIN = Duration.ofSeconds(2);
    /** As the kernel names kvmtool's open container in /proc/PID/fd: by its path in the real /dev. */
    private static final Path VFIO_CONTAINER = HostRoots.KERNEL.dev().resolve("vfio/vfio");

    private final Context c;
    private final AtomicReference<String> fatal = new AtomicReference<>();
    private Process process;
    private VmmProcess vmm;
    /** A detached kvmtool's console (its terminal), null otherwise. */
    private LkvmConsole console;

    private Thread stderrWatcher;

    LkvmSession(Context context) {
        this.c = context;
    }

    @Override
    public void wire(ProcessBuilder pb) {
        if (c.foreground()) {
            pb.redirectInput(ProcessBuilder.Redirect.INHERIT).redirectOutput(ProcessBuilder.Redirect.INHERIT);
            // kvmtool reports a device it could not open on stderr and boots on without it; we watch for that.
            pb.redirectError(ProcessBuilder.Redirect.PIPE);
            return;
        }
        // kvmtool's serial console is its stdin/stdout, and it prints its errors on stderr: all three are a
        // terminal the supervisor owns (LkvmConsole), kept open by the VMM, not by us, so a killed supervisor
        // leaves it a hung-up terminal (writes fail with EIO), never a SIGPIPE.
        console = LkvmConsole.open(c.consoleLog(), c.endpoints().consoleSocket(), this::checkLine, c.log());
        File tty = console.terminal();
        pb.redirectInput(tty)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tty))
                .redirectError(ProcessBuilder.Redirect.appendTo(tty));
    }

    @Override
    public void started(Process process, VmmProcess vmm) {
        this.process = process;
        this.vmm = vmm;
        if (console != null) {
            console.started();
        }
        if (c.foreground()) {
            stderrWatcher = pumpStderr();
        }
    }

    @Override
    public boolean awaitReady() {
        long end = System.nanoTime() + c.readyTimeout().toNanos();
        Path sock = c.endpoints().ipcSocket();
        String last = "the socket did not appear";
        boolean answered = false;
        while (true) {
            if (fatal.get() != null) {
                vmm.kill();
                vmm.awaitExit(Duration.ofSeconds(5));
                throw VmlaunchException.hostNotReady(c.binary() + " could not set up the guest as configured: "
                        + fatal.get() + " (stopped it rather than run the guest without it)");
            }
            if (!process.isAlive()) {
                return false;
            }
            if (!answered && Files.exists(sock)) {
                try (LkvmIpc ipc = LkvmIpc.connect(sock, Duration.ofSeconds(1))) {
                    long pid = ipc.pid();
                    if (pid != process.pid()) {
                        c.log().accept("kvmtool socket " + sock + " answers for pid " + pid + ", not " + process.pid());
                    }
                    answered = true;
                } catch (IOException e) {
                    last = String.valueOf(e.getMessage());
                }
            }
            // kvmtool opens its socket (base_init) before it sets up VFIO (dev_base_init), and carries on without a
            // device it cannot open. With passthrough devices it is up only once it holds the VFIO container.
            if (answered && (c.spec().passthrough().isEmpty() || OpenFiles.holds(process.pid(), VFIO_CONTAINER))) {
                return true;
            }
            if (answered) {
                last = "the socket answers, but kvmtool has not opened " + VFIO_CONTAINER;
            }
            if (System.nanoTime() - end >= 0) {
                throw VmlaunchException.failure("kvmtool was not up within "
                        + c.readyTimeout().toSeconds() + " s (" + sock + ": " + last + ")" + outputTail());
            }
            vmm.awaitExit(Duration.ofMillis(50));
        }
    }

    /** Pins kvmtool's vCPU threads as they appear. */
    @Override
    public AppliedAffinity pin(Affinity affinity, VmmPinner pinner, Duration timeout) {
        return LkvmPinning.apply(process.pid(), affinity, pinner, timeout, process::isAlive);
    }

    @Override
    public Optional<String> setupFailure() {
        return Optional.ofNullable(fatal.get());
    }

    /** kvmtool's lines are on its terminal, in console.log. */
    @Override
    public String outputTail() {
        return c.foreground() ? "" : VmmOutputTail.of(c.consoleLog());
    }

    @Override
    public void drain() {
        joinWatcher();
        if (console != null) {
            // kvmtool's last lines (the kernel's reboot or panic line, "KVM session ended normally") are the story.
            console.awaitDrained(EVENT_DRAIN);
        }
    }

    @Override
    public ExitRecord classify(VmmExit exit, boolean stopRequested, Instant at) {
        ExitRecord how = LkvmExitClassifier.classify(exit, stopRequested, seen(), at);
        if (fatal.get() != null) {
            how = new ExitRecord(
                    ExitRecord.VMM_ERROR,
                    how.status(),
                    how.signal(),
                    "stopped: kvmtool could not set up the guest as configured: " + fatal.get(),
                    how.at());
        }
        return how;
    }

    @Override
    public ExitRecord classifyBeforeReady(VmmExit exit, Instant at) {
        return LkvmExitClassifier.classify(exit, false, seen(), at);
    }

    @Override
    public void abandon() {
        if (console != null) {
            console.awaitDrained(EVENT_DRAIN);
        }
        close();
    }

    @Override
    public void close() {
        if (console != null) {
            console.close();
        }
    }

    private ConsoleEnding.Seen seen() {
        return console == null ? ConsoleEnding.Seen.UNWATCHED : console.seen();
    }

    private void checkLine(String line) {
        if (LkvmErrors.isFatal(line) && fatal.compareAndSet(null, line.trim())) {
            c.events().vmmError(line.trim());
            vmm.terminate();
        }
    }

    /** Foreground: kvmtool's stderr goes on to our terminal, watched on the way. */
    private Thread pumpStderr() {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            System.err.println(line);
                            checkLine(line);
                        }
                    } catch (IOException e) {
                        // The VMM closed stderr; nothing more to watch.
                    }
                },
                "vmlaunch-vmm-stderr");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void joinWatcher() {
        if (stderrWatcher != null) {
            try {
                stderrWatcher.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
