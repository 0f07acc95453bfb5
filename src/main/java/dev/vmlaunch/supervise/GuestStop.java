package dev.vmlaunch.supervise;

import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.driver.ProcessIdentity;
import dev.vmlaunch.driver.StopPolicy;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.driver.lkvm.ForeignLkvmStop;
import dev.vmlaunch.driver.lkvm.LkvmProcessProof;
import dev.vmlaunch.host.DeviceCustody;
import dev.vmlaunch.lkvm.LkvmInstances;
import dev.vmlaunch.qmp.QmpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code vmlaunch stop} for one guest. It ends the VMM itself — over the CLI QMP socket or kvmtool's socket, then
 * signals to the recorded pid once pid and start time still match — so it works whether or not the supervisor is
 * alive. Then it waits for the supervisor to record the end and give the devices back, or, when the supervisor is
 * gone, does that itself under the guest's lock.
 */
public final class GuestStop {
    private static final Duration FINISH_AT_LEAST = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 20;

    /** One guest's result: {@code ok} once its VMM is gone and its devices are back. */
    public record Outcome(String name, boolean ok, String message) {}

    private final Duration perStep;
    private final boolean force;
    private final DeviceCustody custody;
    private final Consumer<String> log;

    /**
     * @param perStep how long each step may take (power button, quit, SIGTERM, SIGKILL)
     * @param force   skip the guest's power button (qemu: quit at once; lkvm: signals); also clears a folder whose
     *                state is unreadable
     */
    public GuestStop(Duration perStep, boolean force, DeviceCustody custody, Consumer<String> log) {
        this.perStep = perStep;
        this.force = force;
        this.custody = custody;
        this.log = log;
    }

    public Outcome stop(RecordedGuests.Record rec) {
        String name = rec.name();
        if (rec.isBroken()) {
            return stopBroken(rec);
        }
        GuestState st = rec.state();
        if (!rec.live()) {
            if (rec.needsFinishing()) {
                return finishUnsupervised(
                        rec.dir(),
                        rec.exit(),
                        "was not running (" + rec.shown().json() + ": "
                                + rec.exit().how() + "); cleaned up after it");
            }
            String how = rec.exit() == null ? "" : ": " + rec.exit().how();
            return new Outcome(name, true, "is not running (" + rec.shown().json() + how + ")");
        }
        Optional<ProcessIdentity> id = st.vmmIdentity().filter(ProcessIdentity::isAlive);
        String how = "already gone";
        if (id.isPresent()) {
            StopRequest.write(rec.dir());
            StopPolicy policy = st.driver().stopPolicy(st.endpoints(), force);
            VmmProcess vmm = VmmProcess.recorded(id.get());
            how = policy.stop(vmm, perStep, m -> log.accept(name + ": " + m));
            if (vmm.isAlive()) {
                return new Outcome(name, false, "pid " + vmm.pid() + " is still running after SIGKILL");
            }
        } else if (st.pid() == null && rec.supervisorAlive()) {
            return new Outcome(name, false, "is still starting (supervisor pid " + st.supervisorPid() + "); try again");
        }
        ExitRecord exit = new ExitRecord(
                ExitRecord.HOST_STOP,
                null,
                null,
                "stopped by vmlaunch stop (" + how + "); its supervisor was gone",
                Instant.now().toString());
        return awaitFinished(rec.dir(), exit, how);
    }

    /**
     * The VMM is gone. A live supervisor records that within moments (it reaps its child at once); if it does not
     * hold the lock any more, nobody will, so we do.
     */
    // "try": the run lock is held for the block, so that no supervisor starts meanwhile; it is never otherwise used.
    @SuppressWarnings("try")
    private Outcome awaitFinished(GuestDir dir, ExitRecord exit, String how) {
        Duration budget = perStep.compareTo(FINISH_AT_LEAST) < 0 ? FINISH_AT_LEAST : perStep;
        long end = System.nanoTime() + budget.toNanos();
        while (true) {
            GuestStateFile.Read r = GuestStateFile.read(dir.stateFile());
            if (r.present()
                    && r.state().lifecycle().map(Lifecycle::ended).orElse(false)
                    && !r.state().devicesOwed()) {
                return new Outcome(dir.name(), true, "stopped (" + how + ")");
            }
            Optional<RunLock> lock = RunLock.tryAcquire(dir.root());
            if (lock.isPresent()) {
                try (RunLock held = lock.get()) {
                    return finishLocked(dir, exit, "stopped (" + how + ")");
                }
            }
            if (System.nanoTime() - end >= 0) {
                return new Outcome(
                        dir.name(),
                        false,
                        "its VMM is gone (" + how + ") but its supervisor (pid " + RunLock.holder(dir.root())
                                + ") has not recorded the end within " + budget.toSeconds() + " s");
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(dir.name(), false, "interrupted while waiting for the supervisor");
            }
        }
    }

    // "try": the run lock is held for the block, so that no supervisor starts meanwhile; it is never otherwise used.
    @SuppressWarnings("try")
    private Outcome finishUnsupervised(GuestDir dir, ExitRecord exit, String message) {
        Optional<RunLock> lock = RunLock.tryAcquire(dir.root());
        if (lock.isEmpty()) {
            return awaitFinished(dir, exit, "already gone");
        }
        try (RunLock held = lock.get()) {
            return finishLocked(dir, exit, message);
        }
    }

    /** Under the lock: whatever the record still owes (end, devices, sockets) is settled here. */
    private Outcome finishLocked(GuestDir dir, ExitRecord exit, String message) {
        GuestStateFile.Read r = GuestStateFile.read(dir.stateFile());
        if (!r.present()) {
            return new Outcome(dir.name(), false, "its state became unreadable: " + r.brokenReason());
        }
        GuestState st = r.state();
        boolean ended = st.lifecycle().map(Lifecycle::ended).orElse(false);
        if (ended && !st.devicesOwed()) {
            GuestEnd.removeSockets(dir, st);
            return new Outcome(dir.name(), true, message);
        }
        GuestState done =
                GuestEnd.finish(dir, st, ended ? st.exit() : exit, custody, m -> log.accept(dir.name() + ": " + m));
        if (done.devicesOwed()) {
            return new Outcome(
                    dir.name(),
                    false,
                    "its VMM is gone but its devices could not be given back: " + done.restoreError());
        }
        return new Outcome(dir.name(), true, message);
    }

    /**
     * Without a readable state there is no pid to signal. With --force: if a QEMU still answers on the CLI socket it
     * is told to quit, and the folder's state is set aside so that the name can be used again.
     */
    // "try": the run lock is held for the block, so that no supervisor starts meanwhile; it is never otherwise used.
    @SuppressWarnings("try")
    private Outcome stopBroken(RecordedGuests.Record rec) {
        GuestDir dir = rec.dir();
        if (!force) {
            return new Outcome(
                    dir.name(),
                    false,
                    "cannot stop it: " + rec.broken() + "; 'vmlaunch stop --force " + dir.name()
                            + "' quits a QEMU that still answers on its QMP socket and clears the folder");
        }
        Optional<RunLock> lock = RunLock.tryAcquire(dir.root());
        if (lock.isEmpty()) {
            return new Outcome(
                    dir.name(),
                    false,
                    "its state is unreadable and its supervisor (pid " + RunLock.holder(dir.root())
                            + ") is still running");
        }
        try (RunLock held = lock.get()) {
            Path cli = dir.layout(dev.vmlaunch.vmm.RunLayout.ConsoleMode.SOCKET).qmpCliSocket();
            String quit = "";
            if (Files.exists(cli)) {
                try (QmpClient qmp = QmpClient.connect(cli, perStep)) {
                    qmp.quit(perStep);
                    qmp.awaitClosed(perStep);
                    quit = "; told its QEMU to quit";
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    quit = "; no QEMU answered on " + cli.getFileName();
                }
            }
            // The state is gone, but the bind records still say which devices this guest holds.
            String given = "";
            List<PciAddress> owned = List.of();
            try {
                owned = custody.heldFor(dir.name());
                if (!owned.isEmpty()) {
                    custody.restore(dir.name(), owned);
                    given = "; gave back " + owned;
                }
            } catch (RuntimeException e) {
                return new Outcome(
                        dir.name(),
                        false,
                        "its state is unreadable and its devices " + owned + " could not be given back: "
                                + e.getMessage() + quit);
            }
            GuestEnd.removeSockets(dir, null);
            Path aside = dir.root().resolve("state.json.broken-" + Instant.now().toEpochMilli());
            try {
                Files.move(dir.stateFile(), aside, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                return new Outcome(dir.name(), false, "cannot set the unreadable state aside: " + e.getMessage());
            }
            return new Outcome(
                    dir.name(), true, "cleared (unreadable state kept as " + aside.getFileName() + quit + given + ")");
        }
    }

    /**
     * A kvmtool guest started outside vmlaunch: IPC STOP, then signals only to a pid proven to be the kvmtool behind
     * the socket ({@link ForeignLkvmStop}).
     */
    public Outcome stopForeignLkvm(LkvmInstances.Instance inst) {
        ForeignLkvmStop.Result r = new ForeignLkvmStop(perStep, force, LkvmProcessProof.system(), log).stop(inst);
        return new Outcome(r.name(), r.ok(), r.message());
    }
}
