package dev.vmlaunch.harness;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.drivers.VmmDrivers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Arm's SMMU test engine flow, automated: boot the guests in parallel, wait for each agent (or each console's
 * shell: {@link ConsoleDriver}), run the workload in each, and judge every device by the interrupts of the vectors listed in its {@code msi_irqs} — not by guessing
 * from the name column. Guests are stopped (and their devices restored by the launcher) whatever happens:
 * a failed step, a timeout, or {@link #cancel()} from Ctrl-C.
 */
public final class Harness {

    /** The host's view of a PCI device: its {@code vendor:device}, e.g. {@code 8086:10d3}. */
    public interface HostDevices {
        Optional<String> vendorDevice(PciAddress address);

        /** The driver the device is bound to now; empty when none (or when this view cannot tell). */
        default Optional<String> driver(PciAddress address) {
            return Optional.empty();
        }

        /**
         * The host's {@code /proc/interrupts} now (at most {@link ProcInterrupts#MAX_BYTES}), for the host side of
         * the interrupt proof; empty when this view has none.
         */
        default Optional<String> interrupts() {
            return Optional.empty();
        }

        /** Reads sysfs under {@code sysfsRoot} (the real one is /sys), through the host package's reader. */
        static HostDevices sysfs(Path sysfsRoot) {
            return sysfs(sysfsRoot, null);
        }

        /**
         * Reads sysfs under {@code sysfsRoot} and the host's interrupts from {@code procInterrupts} (the real one is
         * /proc/interrupts; null: none).
         */
        static HostDevices sysfs(Path sysfsRoot, Path procInterrupts) {
            dev.vmlaunch.host.Sysfs sysfs = new dev.vmlaunch.host.Sysfs(sysfsRoot);
            return new HostDevices() {
                @Override
                public Optional<String> interrupts() {
                    if (procInterrupts == null) {
                        return Optional.empty();
                    }
                    try {
                        return Optional.of(ProcInterrupts.readCapped(procInterrupts));
                    } catch (java.io.IOException e) {
                        return Optional.empty();
                    }
                }

                @Override
                public Optional<String> vendorDevice(PciAddress a) {
                    return sysfs.device(a).filter(d -> !d.ids().contains("?")).map(dev.vmlaunch.host.PciDevice::ids);
                }

                @Override
                public Optional<String> driver(PciAddress a) {
                    return sysfs.device(a).map(dev.vmlaunch.host.PciDevice::driver);
                }
            };
        }
    }

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Bounds on the parts that have no timeout of their own: starting a guest (the supervisor's ready wait), and
     * what is allowed beyond every timeout before a guest's run is given up on.
     */
    record Deadlines(Duration start, Duration stop, Duration grace) {
        static final Deadlines DEFAULT = new Deadlines(Duration.ofMinutes(3), STOP_TIMEOUT, Duration.ofSeconds(15));
    }

    private final HarnessSpec spec;
    private final HarnessGuests launcher;
    private final HostDevices hostDevices;
    private final Consumer<String> progress;
    private final List<HarnessGuests.RunningGuest> started = Collections.synchronizedList(new ArrayList<>());
    private final Deadlines deadlines;
    /** What each guest's run is doing, for the message when it is given up on. */
    private final Map<String, String> phase = new java.util.concurrent.ConcurrentHashMap<>();

    private volatile boolean cancelled;
    private volatile long cancelledAt;

    public Harness(HarnessSpec spec, HarnessGuests launcher, HostDevices hostDevices, Consumer<String> progress) {
        this(spec, launcher, hostDevices, progress, Deadlines.DEFAULT);
    }

    Harness(
            HarnessSpec spec,
            HarnessGuests launcher,
            HostDevices hostDevices,
            Consumer<String> progress,
            Deadlines deadlines) {
        this.spec = spec;
        this.launcher = launcher;
        this.hostDevices = hostDevices;
        this.progress = progress;
        this.deadlines = deadlines;
    }

    /** Runs the whole flow; guest failures are in the report, not thrown. */
    public HarnessReport run() throws InterruptedException {
        Instant t0 = Instant.now();
        ExecutorService pool = Executors.newFixedThreadPool(spec.guests().size(), r -> {
            Thread t = new Thread(r, "vmlaunch-harness");
            t.setDaemon(true);
            return t;
        });
        List<HarnessReport.GuestResult> results = new ArrayList<>();
        try {
            List<Future<HarnessReport.GuestResult>> futures = new ArrayList<>();
            for (GuestSpec g : spec.guests()) {
                futures.add(pool.submit(() -> runGuest(g)));
            }
            // Every guest's run has its own timeouts; this deadline catches a part that hangs anyway (a launcher or
            // a share that never answers), and Ctrl-C shortens it to the time a stop may take.
            long deadline = System.nanoTime()
                    + deadlines
                            .start()
                            .plus(spec.bootTimeout())
                            .plus(spec.workloadTimeout())
                            .plus(consoleCommands())
                            .plus(deadlines.stop())
                            .plus(deadlines.grace())
                            .toNanos();
            for (int i = 0; i < futures.size(); i++) {
                String name = spec.guests().get(i).name();
                try {
                    results.add(awaitGuest(futures.get(i), deadline));
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable c = e.getCause();
                    results.add(failed(name, message(c), null));
                } catch (java.util.concurrent.TimeoutException e) {
                    futures.get(i).cancel(true);
                    results.add(failed(
                            name,
                            (cancelled ? "cancelled; " : "") + "gave up on guest " + name
                                    + " while " + phase.getOrDefault(name, "starting") + ": it did not end within its "
                                    + "timeouts",
                            null));
                }
            }
        } finally {
            stopAll();
            pool.shutdownNow();
        }
        // Only now, with every guest stopped and its managed devices given back, can the report say where they went.
        for (int i = 0; i < results.size(); i++) {
            results.set(i, describeRun(spec.guests().get(i), results.get(i)));
        }
        boolean passed = !cancelled && results.stream().allMatch(HarnessReport.GuestResult::passed);
        return new HarnessReport(spec.name(), passed, results, Duration.between(t0, Instant.now()));
    }

    /** What the console driver's own commands may take on top (mount, identity, devices, four snapshots). */
    private Duration consoleCommands() {
        return spec.guests().stream()
                .map(spec::driverOf)
                .filter(c -> c.kind() == GuestDriverKind.CONSOLE)
                .map(c -> c.console().commandTimeout().multipliedBy(ConsoleDriver.COMMANDS))
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }

    private HarnessReport.GuestResult awaitGuest(Future<HarnessReport.GuestResult> f, long deadline)
            throws InterruptedException, java.util.concurrent.ExecutionException,
                    java.util.concurrent.TimeoutException {
        while (true) {
            long end = cancelled
                    ? Math.min(
                            deadline,
                            cancelledAt
                                    + deadlines.stop().plus(deadlines.grace()).toNanos())
                    : deadline;
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new java.util.concurrent.TimeoutException();
            }
            try {
                // In slices, so that a Ctrl-C meanwhile shortens the wait.
                return f.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // Look again.
            }
        }
    }

    /** Stops every guest now (Ctrl-C); {@link #run()} then returns a failed report. */
    public void cancel() {
        cancelledAt = System.nanoTime();
        cancelled = true;
        stopAll();
    }

    private HarnessReport.GuestResult runGuest(GuestSpec g) {
        String name = g.name();
        HarnessGuests.RunningGuest rg = null;
        GuestDriver driver = null;
        try {
            driver = driver(g);
            String args = driver.kernelArgs();
            GuestSpec withAgent = args.isEmpty() ? g : g.withCmdlineAppended(args);
            if (cancelled) {
                return failed(name, "cancelled", null);
            }
            phase.put(name, "starting");
            progress.accept("booting guest " + name + " (" + g.vmm().json() + ", "
                    + g.arch().json() + ")");
            Instant boot = Instant.now();
            rg = launcher.start(withAgent);
            started.add(rg);
            if (cancelled) {
                rg.stop(STOP_TIMEOUT);
            }
            HarnessGuests.RunningGuest running = rg;
            GuestAgent.Announcement a;
            boolean console = spec.driverOf(g).kind() == GuestDriverKind.CONSOLE;
            phase.put(name, console ? "waiting for its console's shell" : "waiting for its agent");
            try {
                a = driver.awaitReady(running, spec.bootTimeout());
            } catch (RuntimeException e) {
                String why = cancelled
                        ? "cancelled"
                        : running.ended()
                                .map(how -> "guest ended before its "
                                        + (console ? "console's shell answered: " : "agent announced itself: ") + how)
                                .orElse(e.getMessage());
                return failed(name, why, rg.consoleLog());
            }
            progress.accept("guest " + name + " is up: kernel " + a.kernel() + ", "
                    + a.devices().size() + " PCI devices ("
                    + Duration.between(boot, Instant.now()).toSeconds() + " s)");
            List<Target> targets = targets(g, a);
            progress.accept("running the workload in " + name + ": " + spec.workload());
            Instant w0 = Instant.now();
            phase.put(name, "running the workload");
            GuestAgent.CommandResult r;
            // The host's side of the same window: the agent snapshots the guest's just inside it.
            String hostBefore = hostDevices.interrupts().orElse(null);
            String hostAfter;
            try {
                r = driver.run(spec.workload(), spec.workloadTimeout(), running::isAlive);
                hostAfter = hostDevices.interrupts().orElse(null);
            } catch (RuntimeException e) {
                String why = cancelled
                        ? "cancelled"
                        : !running.isAlive()
                                ? "guest ended during the workload: "
                                        + running.ended().orElse("?")
                                : e.getMessage();
                return new HarnessReport.GuestResult(
                        name,
                        false,
                        why,
                        targets.stream()
                                .map(t -> unjudged(t, "the workload did not finish"))
                                .toList(),
                        new HarnessReport.Workload(null, "", Duration.between(w0, Instant.now())),
                        rg.consoleLog());
            }
            Duration took = Duration.between(w0, Instant.now());
            List<HarnessReport.DeviceResult> devices = targets.stream()
                    .map(t -> judge(t, r))
                    .map(d -> d.host() == null || d.guest() == null
                            ? d
                            : d.withHostInterrupts(HostInterruptSide.of(d.host(), hostBefore, hostAfter, d.delta())))
                    .toList();
            driver.finish();
            boolean exitOk = r.exitCode() == spec.expect().exitCode();
            boolean passed =
                    exitOk && !devices.isEmpty() && devices.stream().allMatch(HarnessReport.DeviceResult::passed);
            progress.accept("guest " + name + ": workload exited " + r.exitCode() + " in " + took.toSeconds() + " s; "
                    + devices.stream()
                            .map(d -> (d.guest() == null ? "?" : d.guest()) + " " + d.fired() + "/" + d.vectors()
                                    + " vectors fired, delta " + d.delta()
                                    + (d.hostInterrupts() == null
                                            ? ""
                                            : "; host side (" + d.host() + "): "
                                                    + d.hostInterrupts().note()))
                            .collect(Collectors.joining("; ")));
            String error = exitOk
                    ? null
                    : "the workload exited " + r.exitCode() + ", expected "
                            + spec.expect().exitCode();
            return new HarnessReport.GuestResult(
                    name,
                    passed,
                    error,
                    devices,
                    new HarnessReport.Workload(r.exitCode(), r.output(), took),
                    rg.consoleLog());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(name, "interrupted", rg == null ? null : rg.consoleLog());
        } catch (Exception e) {
            return failed(name, cancelled ? "cancelled" : message(e), rg == null ? null : rg.consoleLog());
        } finally {
            if (driver != null) {
                driver.close();
            }
        }
    }

    private GuestDriver driver(GuestSpec g) {
        ConsoleSpec.Choice c = spec.driverOf(g);
        return c.kind() == GuestDriverKind.CONSOLE
                ? new ConsoleDriver(g, spec.shareTag(), c.console())
                : new AgentDriver(spec.shareOf(g).path(), g.name(), spec.shareTag());
    }

    /** Adds what ran the guest (vmm, accel) and, per host device, whether it was managed and which driver has it now. */
    private HarnessReport.GuestResult describeRun(GuestSpec g, HarnessReport.GuestResult r) {
        Map<String, Boolean> managed = new LinkedHashMap<>();
        for (GuestSpec.Passthrough p : g.passthrough()) {
            managed.put(p.host().toString(), p.managed());
        }
        List<HarnessReport.DeviceResult> devices = r.devices().stream()
                .map(d -> {
                    Boolean m = d.host() == null ? null : managed.get(d.host());
                    String restored = Boolean.TRUE.equals(m)
                            ? hostDevices.driver(PciAddress.parse(d.host())).orElse(null)
                            : null;
                    return d.withCustody(m, restored);
                })
                .toList();
        return r.withRun(
                g.vmm().json(),
                // A VMM without an accel choice (kvmtool) runs on KVM.
                VmmDrivers.of(g.vmm()).hostProfile().usesKvm(g)
                        ? "kvm"
                        : g.accel().json(),
                devices);
    }

    /** A device to judge: its host address (null if emulated), vendor:device, and where the guest has it. */
    record Target(String host, String vendorDevice, GuestAgent.PciDevice guest) {}

    private List<Target> targets(GuestSpec g, GuestAgent.Announcement a) {
        List<Target> out = new ArrayList<>();
        // Identical devices (two NICs of one model) map in address order on both sides.
        Map<String, List<PciAddress>> hostByVd = new LinkedHashMap<>();
        List<PciAddress> unknown = new ArrayList<>();
        for (GuestSpec.Passthrough p : g.passthrough()) {
            Optional<String> vd = hostDevices.vendorDevice(p.host());
            if (vd.isPresent()) {
                hostByVd.computeIfAbsent(vd.get(), k -> new ArrayList<>()).add(p.host());
            } else {
                unknown.add(p.host());
            }
        }
        Set<String> claimed = new LinkedHashSet<>();
        for (var e : hostByVd.entrySet()) {
            String[] vd = e.getKey().split(":");
            List<GuestAgent.PciDevice> inGuest = a.find(vd[0], vd[1]);
            List<PciAddress> hosts = e.getValue().stream().sorted().toList();
            for (int i = 0; i < hosts.size(); i++) {
                GuestAgent.PciDevice d = i < inGuest.size() ? inGuest.get(i) : null;
                if (d != null) {
                    claimed.add(d.address());
                }
                out.add(new Target(hosts.get(i).toString(), e.getKey(), d));
            }
        }
        for (PciAddress p : unknown) {
            out.add(new Target(p.toString(), null, null));
        }
        for (String vd : spec.devices()) {
            String[] v = vd.split(":");
            for (GuestAgent.PciDevice d : a.find(v[0], v[1])) {
                if (claimed.add(d.address())) {
                    out.add(new Target(null, vd, d));
                }
            }
        }
        out.sort(Comparator.comparing(t -> t.host() == null ? "~" : t.host()));
        return out;
    }

    private HarnessReport.DeviceResult judge(Target t, GuestAgent.CommandResult r) {
        if (t.guest() == null) {
            return unjudged(
                    t,
                    t.vendorDevice() == null
                            ? "the host has no vendor:device for it, so it cannot be found in the guest"
                            : "no " + t.vendorDevice() + " device in the guest: the VMM did not attach it");
        }
        Set<Integer> vectors =
                new java.util.TreeSet<>(r.msiAfter().getOrDefault(t.guest().address(), List.of()));
        vectors.addAll(r.msiBefore().getOrDefault(t.guest().address(), List.of()));
        if (vectors.isEmpty()) {
            return new HarnessReport.DeviceResult(
                    t.host(),
                    t.guest().address(),
                    t.vendorDevice(),
                    null,
                    0,
                    0,
                    0,
                    false,
                    "no MSI/MSI-X vectors in the guest (driver "
                            + (t.guest().driver() == null ? "none" : t.guest().driver()) + " did not enable MSI)");
        }
        InterruptDiff diff;
        try {
            diff = InterruptDiff.between(
                            ProcInterrupts.parse(r.interruptsBefore()), ProcInterrupts.parse(r.interruptsAfter()))
                    .forIrqs(vectors);
        } catch (InterruptFormatException e) {
            return new HarnessReport.DeviceResult(
                    t.host(),
                    t.guest().address(),
                    t.vendorDevice(),
                    null,
                    vectors.size(),
                    0,
                    0,
                    false,
                    "the guest's /proc/interrupts could not be read: " + e.getMessage());
        }
        int fired = (int) diff.rows().stream().filter(d -> d.delta() > 0).count();
        long delta = diff.totalDelta();
        String chip = diff.rows().stream()
                .map(d -> d.after().chip())
                .filter(java.util.Objects::nonNull)
                .distinct()
                .collect(Collectors.joining(","));
        List<String> failures = new ArrayList<>();
        HarnessSpec.Expect e = spec.expect();
        if (e.chip() != null && !chip.equals(e.chip())) {
            failures.add("its vectors are on " + (chip.isEmpty() ? "no chip" : chip) + ", expected " + e.chip());
        }
        if (fired < e.minVectorsFired()) {
            failures.add(fired + " of " + vectors.size() + " vectors fired, expected at least " + e.minVectorsFired());
        }
        if (delta < e.minTotalDelta()) {
            failures.add("total delta " + delta + ", expected at least " + e.minTotalDelta());
        }
        return new HarnessReport.DeviceResult(
                t.host(),
                t.guest().address(),
                t.vendorDevice(),
                chip.isEmpty() ? null : chip,
                vectors.size(),
                fired,
                delta,
                failures.isEmpty(),
                failures.isEmpty() ? null : String.join("; ", failures));
    }

    private static HarnessReport.DeviceResult unjudged(Target t, String why) {
        return new HarnessReport.DeviceResult(
                t.host(), t.guest() == null ? null : t.guest().address(), t.vendorDevice(), null, 0, 0, 0, false, why);
    }

    private static HarnessReport.GuestResult failed(String name, String error, Path console) {
        return new HarnessReport.GuestResult(name, false, error, List.of(), null, console);
    }

    private void stopAll() {
        List<HarnessGuests.RunningGuest> all;
        synchronized (started) {
            all = new ArrayList<>(started);
        }
        // Each stop on its own thread, waited for with a deadline: a stop that hangs must not hang the run (or the
        // Ctrl-C that asked for it).
        List<Thread> stopping = new ArrayList<>();
        for (HarnessGuests.RunningGuest g : all) {
            Thread t = new Thread(
                    () -> {
                        try {
                            g.stop(deadlines.stop());
                        } catch (RuntimeException e) {
                            progress.accept("could not stop guest " + g.name() + ": " + e.getMessage());
                        }
                    },
                    "vmlaunch-harness-stop");
            t.setDaemon(true);
            t.start();
            stopping.add(t);
        }
        long end = System.nanoTime() + deadlines.stop().plus(deadlines.grace()).toNanos();
        for (int i = 0; i < stopping.size(); i++) {
            try {
                stopping.get(i).join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (stopping.get(i).isAlive()) {
                progress.accept("guest " + all.get(i).name() + " did not stop within "
                        + deadlines.stop().plus(deadlines.grace()).toSeconds() + " s; left it");
            }
        }
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
