package dev.vmlaunch.driver.qemu;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.affinity.AppliedAffinity;
import dev.vmlaunch.affinity.QemuPinning;
import dev.vmlaunch.affinity.VmmPinner;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.driver.VmmOutputTail;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.driver.VmmSession;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpEvent;
import dev.vmlaunch.qmp.QmpException;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One qemu run: it is up once QMP is negotiated on the supervisor's socket; that connection carries its events
 * (SHUTDOWN, GUEST_PANICKED, STOP/RESUME) until it ends.
 */
final class QemuSession implements VmmSession {
    private static final Duration EVENT_DRAIN = Duration.ofSeconds(2);

    private final Context c;
    private Process process;
    private QmpClient qmp;
    private volatile QmpEvent shutdownEvent;
    private volatile QmpEvent panicEvent;

    QemuSession(Context context) {
        this.c = context;
    }

    @Override
    public void wire(ProcessBuilder pb) {
        if (c.foreground()) {
            pb.inheritIO();
            return;
        }
        // Files, never pipes: a VMM writing to a pipe whose reader (a killed supervisor) is gone would die of
        // SIGPIPE. qemu serves its console on console.sock itself.
        File log = c.vmmLog().toFile();
        pb.redirectInput(new File("/dev/null"));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log));
    }

    @Override
    public void started(Process process, VmmProcess vmm) {
        this.process = process;
    }

    @Override
    public boolean awaitReady() {
        Path qmpSocket = c.qmpSocket();
        Duration timeout = c.readyTimeout();
        CompletableFuture<QmpClient> connect = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        connect.complete(QmpClient.connect(qmpSocket, timeout));
                    } catch (QmpException | InterruptedException | RuntimeException e) {
                        connect.completeExceptionally(e);
                    }
                },
                "vmlaunch-qmp-connect");
        t.setDaemon(true);
        t.start();
        try {
            CompletableFuture.anyOf(connect, process.onExit()).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Sorted out below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (connect.isCompletedExceptionally()) {
            // A QEMU that rejects its command line closes the QMP socket as it exits; the closed socket can win the
            // race with the exit, and the exit status is the message the user needs.
            try {
                process.onExit().get(2, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // Still running: the QMP failure below is the story.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!process.isAlive()) {
            // Closes the client if the connect still succeeds; nobody waits for that, and close() throws nothing.
            var unused = connect.thenAccept(QmpClient::close);
            return false;
        }
        try {
            qmp = connect.getNow(null);
        } catch (java.util.concurrent.CompletionException e) {
            throw VmlaunchException.failure(c.binary() + " did not answer on QMP (" + qmpSocket + "): "
                    + e.getCause().getMessage() + outputTail());
        }
        if (qmp == null) {
            throw VmlaunchException.failure(
                    c.binary() + " did not answer on QMP within " + timeout.toSeconds() + " s" + outputTail());
        }
        qmp.addEventListener(this::onEvent);
        return true;
    }

    /** A qemu waits paused (-S) until this is done. */
    @Override
    public AppliedAffinity pin(Affinity affinity, VmmPinner pinner, Duration timeout) {
        return QemuPinning.apply(qmp, process.pid(), affinity, pinner, timeout);
    }

    private void onEvent(QmpEvent e) {
        c.events().qmp(e);
        switch (e.name()) {
            case "STOP" -> c.events().paused();
            case "RESUME" -> c.events().resumed();
            case "SHUTDOWN" -> shutdownEvent = e;
            case "GUEST_PANICKED" -> {
                panicEvent = e;
                // QEMU may keep the panicked guest paused; it is crashed all the same.
                c.events()
                        .crashed(new ExitRecord(
                                ExitRecord.PANIC,
                                null,
                                null,
                                "the guest kernel panicked (GUEST_PANICKED " + e.data() + ")",
                                Instant.now().toString()));
            }
            default -> {}
        }
    }

    @Override
    public Optional<String> setupFailure() {
        return Optional.empty();
    }

    @Override
    public String outputTail() {
        return c.foreground() ? "" : VmmOutputTail.of(c.vmmLog());
    }

    @Override
    public void drain() {
        if (qmp != null) {
            try {
                qmp.awaitClosed(EVENT_DRAIN);
                qmp.awaitEventsDelivered(EVENT_DRAIN);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            qmp.close();
            qmp = null;
        }
    }

    @Override
    public ExitRecord classify(VmmExit exit, boolean stopRequested, Instant at) {
        return QemuExitClassifier.classify(exit, stopRequested, shutdownEvent, panicEvent, at);
    }

    @Override
    public ExitRecord classifyBeforeReady(VmmExit exit, Instant at) {
        return QemuExitClassifier.classify(exit, false, null, null, at);
    }

    @Override
    public void abandon() {
        close();
    }

    @Override
    public void close() {
        if (qmp != null) {
            qmp.close();
        }
    }
}
