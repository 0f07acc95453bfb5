package dev.vmlaunch.supervise;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.Users;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.driver.ProcessIdentity;
import dev.vmlaunch.driver.StopPolicy;
import dev.vmlaunch.driver.VmmDriver;
import dev.vmlaunch.driver.VmmEndpoints;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.driver.VmmSession;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.host.DeviceCustody;
import dev.vmlaunch.host.DeviceDiagnosis;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.lkvm.LkvmIpc;
import dev.vmlaunch.qmp.QmpEvent;
import dev.vmlaunch.state.AtomicWrite;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.vmm.RunLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Watches one guest from start to end: takes the name's lock, binds the managed devices, starts the VMM and waits
 * until its driver ({@link VmmDrivers}) says it is ready, records every change in state.json and every VMM event
 * in events.jsonl, and when the VMM ends — any way — records how, gives the devices back and removes the
 * sockets. {@code run -d} runs it in a detached JVM ({@link DetachedSupervisorMain}); foreground {@code run} runs the same
 * thing in-process ({@link ForegroundRun}).
 *
 * <p>Use: {@link #start()} (returns once the guest is up), then {@link #awaitEnd()}.
 */
public final class Supervisor {

    /**
     * @param consoleMode  STDIO: the VMM inherits this terminal (foreground); SOCKET: nothing is inherited
     * @param argv         the VMM command line, built for {@code dir}'s layout in {@code consoleMode}
     * @param lkvmSocket   where kvmtool will make its IPC socket ({@code ~/.lkvm/NAME.sock}); a driver without one
     *                     ignores it
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
            Consumer<String> log) {

        /**
         * A guest whose console this supervisor serves on a socket, as detached runs and harness guests have it: its
         * folder under {@code stateRoot}, the VMM command line for that layout, custody of the devices bound under
         * {@code stateRoot}, and kvmtool's IPC socket where {@code env} puts it.
         */
        public static Settings socketConsole(
                GuestSpec spec,
                Path stateRoot,
                Map<String, String> env,
                Duration readyTimeout,
                Runnable onLocked,
                Consumer<String> log) {
            GuestDir dir = GuestDir.of(stateRoot, spec.name());
            List<String> argv = VmmDrivers.of(spec.vmm())
                    .argv(spec, dir.layout(RunLayout.ConsoleMode.SOCKET), DeviceDiagnosis.rootPortReserve(spec));
            return new Settings(
                    spec,
                    dir,
                    RunLayout.ConsoleMode.SOCKET,
                    argv,
                    DeviceCustody.forStateRoot(stateRoot),
                    readyTimeout,
                    LkvmIpc.socketOf(LkvmIpc.socketDir(env), spec.name()),
                    onLocked,
                    log);
        }
    }

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

    private final Settings s;
    private final GuestSpec spec;
    private final GuestDir dir;
    private final EventLog events;
    private final boolean foreground;
    private final VmmDriver driver;
    private final VmmEndpoints endpoints;

    private RunLock lock;
    private Process process;
    private VmmProcess vmm;
    private VmmSession session;

    private GuestState state;
    private volatile boolean stopRequested;

    public Supervisor(Settings settings) {
        this.s = settings;
        this.spec = settings.spec();
        this.dir = settings.dir();
        this.events = new EventLog(dir.eventsFile());
        this.foreground = settings.consoleMode() == RunLayout.ConsoleMode.STDIO;
        this.driver = VmmDrivers.of(spec.vmm());
        this.endpoints = driver.endpoints(spec, dir.layout(settings.consoleMode()), settings.lkvmSocket(), foreground);
    }

    /** The VMM, once started (for stopping it from this process). */
    public Optional<VmmProcess> vmm() {
        return Optional.ofNullable(vmm);
    }

    /** The stop sequence for this guest (used by a foreground run's Ctrl-C). */
    public StopPolicy stopPolicy(boolean force) {
        // The same endpoints 'vmlaunch stop' reads from state.json.
        return driver.stopPolicy(endpoints, force);
    }

    /** Marks the coming end as asked for by the host, so it is recorded as a host stop. */
    public void requestStop() {
        stopRequested = true;
        StopRequest.write(dir);
    }

    /** Why the VMM cannot run the guest as configured, when it said so (kvmtool's "Error: ... vfio ..." line). */
    public Optional<String> setupFailure() {
        return session == null ? Optional.empty() : session.setupFailure();
    }

    // ---- starting ------------------------------------------------------------------------------------------

    /**
     * Starts the guest and returns once it is up (its driver's readiness: QMP negotiated, the kvmtool socket
     * answering).
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
            RecordedGuests.Record prev = RecordedGuests.inspect(dir, ProcessIdentity.bootId());
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
        state = new GuestState(
                GuestState.VERSION,
                spec.name(),
                spec.vmm().json(),
                driver.hostProfile().binary(spec),
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
                string(endpoints.qmpCliSocket()),
                string(endpoints.consoleSocket()),
                string(endpoints.ipcSocket()),
                null,
                endpoints.stopConsoleCommand());
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

        if (!session.awaitReady()) {
            throw endedBeforeReady();
        }
        pinAffinity();
        for (Path socket : List.of(layout.qmpSocket(), layout.qmpCliSocket(), layout.consoleSocket())) {
            ownerOnly(socket);
        }
        update(st -> st.withLifecycle(Lifecycle.RUNNING, Instant.now()));
        events.vmlaunch("VMLAUNCH_READY", Map.of("pid", process.pid()));
    }

    private void spawn() {
        // Its own session: a terminal's Ctrl-C reaches vmlaunch (which stops the guest properly), and the VMM
        // outlives a supervisor that is killed.
        List<String> cmd = new ArrayList<>(OwnSession.prefix());
        cmd.addAll(MemlockStep.spawnPrefix(spec, Users.isRoot(), HostRoots.fromEnvironment(), System.getenv("PATH")));
        cmd.addAll(AffinityStep.spawnPrefix(spec.affinity(), System.getenv("PATH")));
        cmd.addAll(s.argv());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        session = driver.session(new VmmSession.Context(
                spec,
                endpoints,
                dir.layout(s.consoleMode()).qmpSocket(),
                dir.consoleLog(),
                dir.vmmLog(),
                foreground,
                s.readyTimeout(),
                s.argv(),
                new RecordedEvents(),
                s.log()));
        session.wire(pb);
        try {
            process = pb.start();
        } catch (IOException e) {
            session.close();
            throw VmlaunchException.hostNotReady("cannot start " + s.argv().get(0) + ": " + e.getMessage());
        }
        vmm = VmmProcess.child(process);
        session.started(process, vmm);
        LogRotation.watch(
                foreground ? List.of(dir.consoleLog()) : List.of(dir.consoleLog(), dir.vmmLog()),
                LogRotation.CAP,
                process.onExit(),
                s.log());
    }

    /** cpuAffinity / vcpuPin: a qemu waits paused (-S) until this is done. */
    private void pinAffinity() {
        if (!spec.affinity().any()) {
            return;
        }
        var applied = AffinityStep.record(dir, session.pin(spec.affinity(), AffinityStep.pinner(), s.readyTimeout()));
        events.vmlaunch("VMLAUNCH_PINNED", Map.of("affinity", applied.describe()));
    }

    private EndedBeforeReady endedBeforeReady() {
        VmmExit exit = VmmExit.of(waitUninterruptibly(process));
        session.drain();
        // qemu's stderr is vmm.log; a detached kvmtool's is its console.
        Optional<String> taskset = AffinityStep.spawnFailure(spec.affinity(), dir.vmmLog())
                .or(() -> AffinityStep.spawnFailure(spec.affinity(), dir.consoleLog()));
        if (taskset.isPresent()) {
            return new EndedBeforeReady(ExitCodes.HOST_NOT_READY, taskset.get(), exit);
        }
        Optional<String> setup = session.setupFailure();
        if (setup.isPresent()) {
            return new EndedBeforeReady(
                    ExitCodes.HOST_NOT_READY,
                    s.argv().get(0) + " could not set up the guest as " + "configured: " + setup.get(),
                    exit);
        }
        return new EndedBeforeReady(
                ExitCodes.FAILURE,
                s.argv().get(0) + " " + exit.describe() + " before the guest was up" + session.outputTail(),
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
            if (session != null) {
                session.abandon();
            }
            ExitRecord exit;
            if (cause instanceof EndedBeforeReady early) {
                exit = session.classifyBeforeReady(early.exit(), Instant.now());
                if (session.setupFailure().isPresent()
                        || early.exitCode() == ExitCodes.HOST_NOT_READY
                        || exit.how().equals(ExitRecord.GUEST_SHUTDOWN)) {
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

    /** What the driver reports while the VMM runs, into events.jsonl and state.json. */
    private final class RecordedEvents implements VmmSession.Events {
        @Override
        public void qmp(QmpEvent e) {
            events.qmp(e);
        }

        @Override
        public void paused() {
            update(st -> st.lifecycle().orElse(null) == Lifecycle.RUNNING
                    ? st.withLifecycle(Lifecycle.PAUSED, Instant.now())
                    : st);
        }

        @Override
        public void resumed() {
            update(st -> st.lifecycle().orElse(null) == Lifecycle.PAUSED
                    ? st.withLifecycle(Lifecycle.RUNNING, Instant.now())
                    : st);
        }

        @Override
        public void crashed(ExitRecord how) {
            update(st -> st.withExit(how).withLifecycle(Lifecycle.CRASHED, Instant.now()));
        }

        @Override
        public void vmmError(String line) {
            events.vmlaunch("VMLAUNCH_VMM_ERROR", Map.of("line", line));
        }
    }

    /**
     * Waits for the VMM to end, then records how, gives the devices back, removes the sockets and releases the name.
     * Returns the VMM's exit.
     */
    public VmmExit awaitEnd() {
        VmmExit exit = VmmExit.of(waitUninterruptibly(process));
        session.drain();
        boolean asked = stopRequested || Files.exists(dir.stopRequest());
        ExitRecord how = session.classify(exit, asked, Instant.now());
        session.close();
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
            GuestStateFile.write(dir.stateFile(), state);
        } catch (IOException e) {
            s.log().accept("cannot write " + dir.stateFile() + ": " + e.getMessage());
        }
    }

    private static String string(Path p) {
        return p == null ? null : p.toString();
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
