package dev.vmlaunch.supervise;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.Users;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.config.Vmm;
import dev.vmlaunch.console.ConsoleEnding;
import dev.vmlaunch.host.DeviceCustody;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.lkvm.LkvmIpc;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpEvent;
import dev.vmlaunch.qmp.QmpException;
import dev.vmlaunch.state.AtomicWrite;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.vmm.RunLayout;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Watches one guest from start to end: takes the name's lock, binds the managed devices, starts the VMM, holds its
 * QMP connection (qemu) or waits for its kvmtool socket (lkvm), records every change in state.json and every QMP
 * event in events.jsonl, and when the VMM ends — any way — records how, gives the devices back and removes the
 * sockets. {@code run -d} runs it in a detached JVM ({@link SupervisorMain}); foreground {@code run} runs the same
 * thing in-process ({@link ForegroundRun}).
 *
 * <p>Use: {@link #start()} (returns once the guest is up), then {@link #awaitEnd()}.
 */
public final class Supervisor {

    /**
     * @param consoleMode  STDIO: the VMM inherits this terminal (foreground); SOCKET: nothing is inherited
     * @param argv         the VMM command line, built for {@code dir}'s layout in {@code consoleMode}
     * @param lkvmSocket   where kvmtool will make its IPC socket ({@code ~/.lkvm/NAME.sock}); used for lkvm only
     * @param onLocked     runs once the name's lock is held, before anything in the folder changes
     * @param log          notable conditions a person should hear about
     */
    public record Settings(
            GuestSpec spec,
            GuestDir dir,
            RunLayout.ConsoleMode consoleMode,
            List<String> argv,
            DeviceCustody custody,
            Duration readyTimeout,
            Path lkvmSocket,
            Runnable onLocked,
            Consumer<String> log) {}

    /** The VMM ended before it was ready; carries its exit and what it printed last (detached runs). */
    public static final class EndedBeforeReady extends VmlaunchException {
        private static final long serialVersionUID = 1L;
        private final transient VmmExit exit;

        EndedBeforeReady(int code, String message, VmmExit exit) {
            super(code, message);
            this.exit = exit;
        }

        public VmmExit exit() {
            return exit;
        }
    }

    private static final Duration EVENT_DRAIN = Duration.ofSeconds(2);
    private static final Path VFIO_CONTAINER = Path.of("/dev/vfio/vfio");
    private static final int STDERR_TAIL_LINES = 12;

    private final Settings s;
    private final GuestSpec spec;
    private final GuestDir dir;
    private final EventLog events;
    private final boolean lkvm;
    private final boolean foreground;

    private RunLock lock;
    private Process process;
    private VmmProcess vmm;
    private QmpClient qmp;
    private Thread stderrWatcher;
    /** A detached kvmtool's console (its terminal), null otherwise. */
    private LkvmConsole lkvmConsole;

    private GuestState state;
    private volatile QmpEvent shutdownEvent;
    private volatile QmpEvent panicEvent;
    private volatile boolean stopRequested;
    private final AtomicReference<String> lkvmFatal = new AtomicReference<>();

    public Supervisor(Settings settings) {
        this.s = settings;
        this.spec = settings.spec();
        this.dir = settings.dir();
        this.events = new EventLog(dir.eventsFile());
        this.lkvm = spec.vmm() == Vmm.LKVM;
        this.foreground = settings.consoleMode() == RunLayout.ConsoleMode.STDIO;
    }

    /** The VMM, once started (for stopping it from this process). */
    public Optional<VmmProcess> vmm() {
        return Optional.ofNullable(vmm);
    }

    /** The stop sequence for this guest (used by a foreground run's Ctrl-C). */
    public StopPolicy stopPolicy(boolean force) {
        RunLayout l = dir.layout(s.consoleMode());
        if (lkvm) {
            // A detached kvmtool's console is ours: the guest's shell is asked first, as 'vmlaunch stop' does.
            return lkvmConsole == null
                    ? StopPolicies.lkvm(s.lkvmSocket(), force)
                    : StopPolicies.lkvm(
                            s.lkvmSocket(), l.consoleSocket(), spec.stop().consoleCommand(), force);
        }
        return StopPolicies.qemu(l.qmpCliSocket(), force);
    }

    /** Marks the coming end as asked for by the host, so it is recorded as a host stop. */
    public void requestStop() {
        stopRequested = true;
        StopRequest.write(dir);
    }

    /** A kvmtool "Error: ... vfio ..." line seen on its stderr, if any. */
    public Optional<String> lkvmFatal() {
        return Optional.ofNullable(lkvmFatal.get());
    }

    // ---- starting ------------------------------------------------------------------------------------------

    /**
     * Starts the guest and returns once it is up: QMP negotiated (qemu) or the kvmtool socket answering (lkvm).
     * On any failure the VMM is stopped, the devices given back, the failure recorded, and the lock released.
     *
     * @throws EndedBeforeReady the VMM ended on its own before it was ready
     * @throws VmlaunchException the name is taken, a device could not be bound, the VMM could not be started or did
     *                           not become ready in time
     */
    public void start() {
        StateRoot.ensureDir(dir.root());
        lock = RunLock.acquire(dir.root(), spec.name());
        try {
            s.onLocked().run();
            takeOverFolder();
            startLocked();
        } catch (RuntimeException e) {
            abandonStart(e);
            throw e;
        }
    }

    /**
     * The folder may hold an earlier run of this name. If that guest's VMM still runs without a supervisor, the name
     * is taken. If it ended unrecorded (supervisor killed with it, host rebooted), finish it first: its devices go
     * back before this guest takes any.
     */
    private void takeOverFolder() {
        if (Files.exists(dir.stateFile())) {
            GuestRecords.Record prev = GuestRecords.inspect(dir, ProcessIdentity.bootId());
            if (prev.vmmAlive()) {
                throw VmlaunchException.usage("a guest named \"" + spec.name() + "\" is already running ("
                        + prev.state().vmm() + " pid " + prev.state().pid() + ", without its supervisor): stop it "
                        + "first with 'vmlaunch stop " + spec.name() + "', or choose another name");
            }
            if (prev.needsFinishing()) {
                GuestState done = GuestEnd.finish(dir, prev.state(), prev.exit(), s.custody(), s.log());
                if (done.devicesOwed()) {
                    throw leftBehind(
                            done.managedDevices().stream()
                                    .map(PciAddress::parse)
                                    .toList(),
                            done.restoreError());
                }
            } else if (prev.isBroken()) {
                s.log()
                        .accept("replacing the unreadable state of an earlier \"" + spec.name() + "\": "
                                + prev.broken());
            }
        }
        giveBackLeftovers();
        GuestEnd.removeSockets(dir, null);
        deleteQuietly(dir.stopRequest());
        // What an earlier run had attached left with its VMM (and its managed devices with its end).
        deleteQuietly(dir.hotplugFile());
        AffinityStep.clear(dir);
        truncate(dir.eventsFile());
        if (!foreground) {
            truncate(dir.vmmLog());
        }
        // QEMU appends to console.log (logappend=on, for LogRotation), so a new run starts it here.
        truncate(dir.consoleLog());
        for (Path log : List.of(dir.eventsFile(), dir.vmmLog(), dir.consoleLog())) {
            LogRotation.removeRotated(log);
        }
    }

    /**
     * Bind records that still name this guest (its supervisor was killed while binding, or a restore failed and the
     * state was lost) are dealt with before it takes anything: given back, or the start is refused.
     */
    private void giveBackLeftovers() {
        List<PciAddress> left;
        try {
            left = s.custody().heldFor(spec.name());
        } catch (VmlaunchException e) {
            // A bad record of some device: the bind checks its own devices' records and refuses precisely.
            s.log().accept("cannot read the bind records: " + e.getMessage());
            return;
        }
        if (left.isEmpty()) {
            return;
        }
        try {
            s.custody().restore(spec.name(), left);
        } catch (VmlaunchException e) {
            throw leftBehind(left, e.getMessage());
        }
        s.log().accept("gave back " + left + ", left bound to vfio-pci by an earlier run of \"" + spec.name() + "\"");
    }

    private VmlaunchException leftBehind(List<PciAddress> devices, String why) {
        return VmlaunchException.hostNotReady("an earlier run of \"" + spec.name() + "\" left " + devices
                + " bound to vfio-pci and they could not be given back: " + why + "; nothing was started (fix that,"
                + " then 'vmlaunch unbind --owner " + spec.name() + "' gives them back)");
    }

    private void startLocked() {
        RunLayout layout = dir.layout(s.consoleMode());
        for (Path socket : List.of(layout.qmpSocket(), layout.qmpCliSocket(), layout.consoleSocket())) {
            StateRoot.checkSocketPath(socket);
        }
        try {
            AtomicWrite.replace(dir.specFile(), SpecJson.render(spec, s.argv()));
        } catch (IOException e) {
            throw VmlaunchException.hostNotReady("cannot write " + dir.specFile() + ": " + e.getMessage());
        }
        ProcessIdentity me = ProcessIdentity.current();
        Instant now = Instant.now();
        // Detached: qemu serves its console on console.sock itself, kvmtool's terminal is served by LkvmConsole.
        boolean socketConsole = !foreground && (lkvm || spec.console() != dev.vmlaunch.config.Console.NONE);
        state = new GuestState(
                GuestState.VERSION,
                spec.name(),
                spec.vmm().json(),
                spec.binaryOrDefault(),
                ProcessIdentity.bootId(),
                null,
                null,
                me.pid(),
                me.startTicks(),
                foreground,
                Lifecycle.STARTING.json(),
                now.toString(),
                now.toString(),
                spec.passthrough().stream().map(p -> p.host().toString()).toList(),
                List.of(),
                null,
                null,
                lkvm ? null : layout.qmpCliSocket().toString(),
                socketConsole ? layout.consoleSocket().toString() : null,
                lkvm ? s.lkvmSocket().toString() : null,
                null,
                lkvm && !foreground ? spec.stop().consoleCommand() : null);
        writeState();
        events.vmlaunch("VMLAUNCH_STARTING", Map.of("supervisorPid", me.pid(), "foreground", foreground));

        AffinityStep.probe(spec.affinity());
        List<PciAddress> held = s.custody().bindForGuest(spec);
        if (!held.isEmpty()) {
            update(st -> st.withManagedDevices(
                    held.stream().map(PciAddress::toString).toList()));
            events.vmlaunch("VMLAUNCH_DEVICES_BOUND", Map.of("devices", state.managedDevices()));
        }

        spawn();
        ProcessIdentity vmmId = ProcessIdentity.of(process.pid()).orElse(null);
        if (vmmId == null) {
            // Gone already (or a zombie): the ready wait below reports how it ended.
            vmmId = new ProcessIdentity(process.pid(), -1);
        }
        ProcessIdentity id = vmmId;
        update(st -> st.withVmm(id));
        events.vmlaunch("VMLAUNCH_VMM_STARTED", Map.of("pid", process.pid(), "argv", s.argv()));

        if (lkvm) {
            awaitLkvmReady();
        } else {
            awaitQmpReady(layout.qmpSocket());
        }
        pinAffinity();
        for (Path socket : List.of(layout.qmpSocket(), layout.qmpCliSocket(), layout.consoleSocket())) {
            ownerOnly(socket);
        }
        update(st -> st.withLifecycle(Lifecycle.RUNNING, Instant.now()));
        events.vmlaunch("VMLAUNCH_READY", Map.of("pid", process.pid()));
    }

    private void spawn() {
        List<String> cmd = new ArrayList<>();
        // Its own session: a terminal's Ctrl-C reaches vmlaunch (which stops the guest properly), and the VMM
        // outlives a supervisor that is killed.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.addAll(MemlockStep.spawnPrefix(spec, Users.isRoot(), HostRoots.fromEnvironment(), System.getenv("PATH")));
        cmd.addAll(AffinityStep.spawnPrefix(spec.affinity(), System.getenv("PATH")));
        cmd.addAll(s.argv());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (foreground) {
            pb.redirectInput(ProcessBuilder.Redirect.INHERIT).redirectOutput(ProcessBuilder.Redirect.INHERIT);
            // kvmtool reports a device it could not open on stderr and boots on without it; we watch for that.
            pb.redirectError(lkvm ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.INHERIT);
        } else if (lkvm) {
            // kvmtool's serial console is its stdin/stdout, and it prints its errors on stderr: all three are a
            // terminal the supervisor owns (LkvmConsole), kept open by the VMM, not by us, so a killed supervisor
            // leaves it a hung-up terminal (writes fail with EIO), never a SIGPIPE.
            lkvmConsole = LkvmConsole.open(
                    dir.consoleLog(), dir.layout(s.consoleMode()).consoleSocket(), this::checkLkvmLine, s.log());
            File tty = lkvmConsole.terminal();
            pb.redirectInput(tty)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(tty))
                    .redirectError(ProcessBuilder.Redirect.appendTo(tty));
        } else {
            // Files, never pipes: a VMM writing to a pipe whose reader (a killed supervisor) is gone would die of
            // SIGPIPE.
            File log = dir.vmmLog().toFile();
            pb.redirectInput(new File("/dev/null"));
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log));
            pb.redirectError(ProcessBuilder.Redirect.appendTo(log));
        }
        try {
            process = pb.start();
        } catch (IOException e) {
            closeLkvmConsole();
            throw VmlaunchException.hostNotReady("cannot start " + s.argv().get(0) + ": " + e.getMessage());
        }
        vmm = VmmProcess.child(process);
        if (lkvmConsole != null) {
            lkvmConsole.started();
        }
        LogRotation.watch(
                foreground ? List.of(dir.consoleLog()) : List.of(dir.consoleLog(), dir.vmmLog()),
                LogRotation.CAP,
                process.onExit(),
                s.log());
        if (lkvm && foreground) {
            stderrWatcher = pumpStderr();
        }
    }

    private void closeLkvmConsole() {
        if (lkvmConsole != null) {
            lkvmConsole.close();
        }
    }

    private void awaitQmpReady(Path qmpSocket) {
        Duration timeout = s.readyTimeout();
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
            throw endedBeforeReady();
        }
        try {
            qmp = connect.getNow(null);
        } catch (java.util.concurrent.CompletionException e) {
            throw VmlaunchException.failure(s.argv().get(0) + " did not answer on QMP (" + qmpSocket + "): "
                    + e.getCause().getMessage() + stderrTail());
        }
        if (qmp == null) {
            throw VmlaunchException.failure(
                    s.argv().get(0) + " did not answer on QMP within " + timeout.toSeconds() + " s" + stderrTail());
        }
        qmp.addEventListener(this::onEvent);
    }

    private void awaitLkvmReady() {
        long end = System.nanoTime() + s.readyTimeout().toNanos();
        Path sock = s.lkvmSocket();
        String last = "the socket did not appear";
        boolean answered = false;
        while (true) {
            if (lkvmFatal.get() != null) {
                vmm.kill();
                vmm.awaitExit(Duration.ofSeconds(5));
                throw VmlaunchException.hostNotReady(s.argv().get(0) + " could not set up the guest as configured: "
                        + lkvmFatal.get() + " (stopped it rather than run the guest without it)");
            }
            if (!process.isAlive()) {
                throw endedBeforeReady();
            }
            if (!answered && Files.exists(sock)) {
                try (LkvmIpc ipc = LkvmIpc.connect(sock, Duration.ofSeconds(1))) {
                    long pid = ipc.pid();
                    if (pid != process.pid()) {
                        s.log().accept("kvmtool socket " + sock + " answers for pid " + pid + ", not " + process.pid());
                    }
                    answered = true;
                } catch (IOException e) {
                    last = String.valueOf(e.getMessage());
                }
            }
            // kvmtool opens its socket (base_init) before it sets up VFIO (dev_base_init), and carries on without a
            // device it cannot open. With passthrough devices it is up only once it holds the VFIO container.
            if (answered && (spec.passthrough().isEmpty() || OpenFiles.holds(process.pid(), VFIO_CONTAINER))) {
                return;
            }
            if (answered) {
                last = "the socket answers, but kvmtool has not opened " + VFIO_CONTAINER;
            }
            if (System.nanoTime() - end >= 0) {
                throw VmlaunchException.failure("kvmtool was not up within "
                        + s.readyTimeout().toSeconds() + " s (" + sock + ": " + last + ")" + stderrTail());
            }
            vmm.awaitExit(Duration.ofMillis(50));
        }
    }

    /** cpuAffinity / vcpuPin: a qemu waits paused (-S) until this is done. */
    private void pinAffinity() {
        if (!spec.affinity().any()) {
            return;
        }
        var applied = lkvm
                ? AffinityStep.lkvm(dir, spec.affinity(), process.pid(), s.readyTimeout(), process::isAlive)
                : AffinityStep.qemu(dir, spec.affinity(), qmp, process.pid(), s.readyTimeout());
        events.vmlaunch("VMLAUNCH_PINNED", Map.of("affinity", applied.describe()));
    }

    private EndedBeforeReady endedBeforeReady() {
        VmmExit exit = VmmExit.of(waitUninterruptibly(process));
        joinWatcher();
        if (lkvmFatal.get() != null) {
            return new EndedBeforeReady(
                    ExitCodes.HOST_NOT_READY,
                    s.argv().get(0) + " could not set up the guest as " + "configured: " + lkvmFatal.get(),
                    exit);
        }
        return new EndedBeforeReady(
                ExitCodes.FAILURE,
                s.argv().get(0) + " " + exit.describe() + " before the guest was up" + stderrTail(),
                exit);
    }

    /** Undoes a start that failed: VMM gone, devices back, failure recorded, lock released. */
    private void abandonStart(RuntimeException cause) {
        try {
            if (lock == null) {
                return;
            }
            if (state == null) {
                // Refused before anything changed (the name is in use by an unsupervised VMM).
                return;
            }
            if (vmm != null && vmm.isAlive()) {
                vmm.kill();
                vmm.awaitExit(Duration.ofSeconds(10));
            }
            if (lkvmConsole != null) {
                lkvmConsole.awaitDrained(EVENT_DRAIN);
                lkvmConsole.close();
            }
            if (qmp != null) {
                qmp.close();
            }
            ExitRecord exit;
            if (cause instanceof EndedBeforeReady early) {
                exit = ExitClassifier.classify(lkvm, early.exit(), false, null, null, consoleSeen(), Instant.now());
                if (lkvmFatal.get() != null || exit.how().equals(ExitRecord.GUEST_SHUTDOWN)) {
                    exit = new ExitRecord(
                            ExitRecord.START_FAILED, exit.status(), exit.signal(), cause.getMessage(), exit.at());
                }
            } else {
                exit = new ExitRecord(
                        ExitRecord.START_FAILED,
                        null,
                        null,
                        cause.getMessage(),
                        Instant.now().toString());
            }
            state = GuestEnd.finish(dir, state, exit, s.custody(), s.log());
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        } finally {
            if (lock != null) {
                lock.close();
                lock = null;
            }
        }
    }

    // ---- running -------------------------------------------------------------------------------------------

    private void onEvent(QmpEvent e) {
        events.qmp(e);
        switch (e.name()) {
            case "STOP" -> update(st -> st.lifecycle().orElse(null) == Lifecycle.RUNNING
                    ? st.withLifecycle(Lifecycle.PAUSED, Instant.now())
                    : st);
            case "RESUME" -> update(st -> st.lifecycle().orElse(null) == Lifecycle.PAUSED
                    ? st.withLifecycle(Lifecycle.RUNNING, Instant.now())
                    : st);
            case "SHUTDOWN" -> shutdownEvent = e;
            case "GUEST_PANICKED" -> {
                panicEvent = e;
                // QEMU may keep the panicked guest paused; it is crashed all the same.
                update(st -> st.withExit(new ExitRecord(
                                ExitRecord.PANIC,
                                null,
                                null,
                                "the guest kernel panicked (GUEST_PANICKED " + e.data() + ")",
                                Instant.now().toString()))
                        .withLifecycle(Lifecycle.CRASHED, Instant.now()));
            }
            default -> {}
        }
    }

    /**
     * Waits for the VMM to end, then records how, gives the devices back, removes the sockets and releases the name.
     * Returns the VMM's exit.
     */
    public VmmExit awaitEnd() {
        VmmExit exit = VmmExit.of(waitUninterruptibly(process));
        joinWatcher();
        if (qmp != null) {
            try {
                qmp.awaitClosed(EVENT_DRAIN);
                qmp.awaitEventsDelivered(EVENT_DRAIN);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            qmp.close();
        }
        if (lkvmConsole != null) {
            // kvmtool's last lines (the kernel's reboot or panic line, "KVM session ended normally") are the story.
            lkvmConsole.awaitDrained(EVENT_DRAIN);
        }
        boolean asked = stopRequested || Files.exists(dir.stopRequest());
        ExitRecord how =
                ExitClassifier.classify(lkvm, exit, asked, shutdownEvent, panicEvent, consoleSeen(), Instant.now());
        closeLkvmConsole();
        if (lkvmFatal.get() != null) {
            how = new ExitRecord(
                    ExitRecord.VMM_ERROR,
                    how.status(),
                    how.signal(),
                    "stopped: kvmtool could not set up the guest as configured: " + lkvmFatal.get(),
                    how.at());
        }
        synchronized (this) {
            state = GuestEnd.finish(dir, state, how, s.custody(), s.log());
        }
        lock.close();
        lock = null;
        return exit;
    }

    /** The recorded state (as last written). */
    public synchronized GuestState state() {
        return state;
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    // ReferenceEquality: a change that hands back the very state it was given means "nothing to write".
    @SuppressWarnings("ReferenceEquality")
    private synchronized void update(UnaryOperator<GuestState> change) {
        GuestState next = change.apply(state);
        if (next != state) {
            state = next;
            writeState();
        }
    }

    private synchronized void writeState() {
        try {
            StateFile.write(dir.stateFile(), state);
        } catch (IOException e) {
            s.log().accept("cannot write " + dir.stateFile() + ": " + e.getMessage());
        }
    }

    /** Foreground lkvm: its stderr goes on to our terminal, watched on the way. */
    private Thread pumpStderr() {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            System.err.println(line);
                            checkLkvmLine(line);
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

    private ConsoleEnding.Seen consoleSeen() {
        return lkvmConsole == null ? ConsoleEnding.Seen.UNWATCHED : lkvmConsole.seen();
    }

    private void checkLkvmLine(String line) {
        if (LkvmErrors.isFatal(line) && lkvmFatal.compareAndSet(null, line.trim())) {
            events.vmlaunch("VMLAUNCH_VMM_ERROR", Map.of("line", line.trim()));
            vmm.terminate();
        }
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

    /**
     * The last lines the VMM printed (detached runs keep them in vmm.log; kvmtool's are on its terminal, in
     * console.log), for failure messages.
     */
    private String stderrTail() {
        if (foreground) {
            return "";
        }
        Path file = lkvm ? dir.consoleLog() : dir.vmmLog();
        try {
            List<String> lines = dev.vmlaunch.console.ConsoleTail.read(file)
                    .map(t -> t.lines().toList())
                    .orElse(List.of());
            Deque<String> tail = new ArrayDeque<>();
            for (String l : lines) {
                if (!l.isBlank()) {
                    tail.addLast(l.trim());
                    if (tail.size() > STDERR_TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
            }
            return tail.isEmpty()
                    ? " (it printed nothing; see " + file + ")"
                    : ": "
                            + String.join(
                                    " | ",
                                    tail.stream().map(LkvmConsole::printable).toList()) + " (full output: " + file
                            + ")";
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static int waitUninterruptibly(Process p) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return p.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void ownerOnly(Path socket) {
        try {
            if (Files.exists(socket)) {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // The folder is 0700 already.
        }
    }

    static void truncate(Path file) {
        try {
            Files.write(file, new byte[0]);
        } catch (IOException e) {
            // Appends still work.
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // Harmless leftover.
        }
    }
}
