package dev.vmlaunch.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmlaunch.cli.Main;
import dev.vmlaunch.harness.GuestAgent;
import dev.vmlaunch.harness.ProgressLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The lab's second half, run by the same jar inside the lab host (a q35 guest whose e1000e NICs sit behind an
 * emulated intel IOMMU): the commands a user would type, in order — {@code host check}, {@code groups},
 * {@code bind}, {@code vfio-probe}, a two-guest {@code test}, {@code unbind} — against the lab host's real kernel.
 * Everything it learns goes to the lab folder (a 9p share the outer vmlaunch reads): progress.log, each command's
 * output, report.json, junit.xml.
 */
public final class LabInside {
    private static final Path KVM = Path.of("/dev/kvm");

    private final Path dir;
    private final Path images;
    private final LabPlan.Mode mode;
    private final ProgressLog progress;

    LabInside(Path dir, Path images, LabPlan.Mode mode, PrintWriter console) {
        this.dir = dir;
        this.images = images;
        this.mode = mode;
        this.progress = new ProgressLog(Instant.now(), console, dir.resolve("progress.log"));
    }

    /** Runs the lab inside; returns the harness's exit code (0: every NIC's interrupts fired in its nested guest). */
    public static int run(Path dir, Path images, String mode, PrintWriter console) throws IOException {
        return new LabInside(dir, images, LabPlan.Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)), console).run();
    }

    int run() throws IOException {
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        // Where the lab host's start went: its kernel's uptime includes this JVM's start.
        String uptime = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
        long jvm = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        progress.accept("lab host up: kernel " + kernel + ", " + Runtime.getRuntime().availableProcessors()
                + " CPUs, up " + uptime + " s of which this JVM " + String.format(java.util.Locale.ROOT, "%.1f", jvm / 1000.0)
                + " s; running vmlaunch inside it");
        if (mode == LabPlan.Mode.KVM) {
            String why = LabKvm.unusable(KVM);
            if (why != null) {
                // The outer lab turns this file into its exit-3 message.
                Files.writeString(dir.resolve(LabKvm.UNUSABLE_FILE), why + System.lineSeparator(), StandardCharsets.UTF_8);
                progress.accept("the lab host has no usable /dev/kvm: " + why);
                return 3;
            }
        }
        command("host-check.txt", "host check", "host", "check");
        Result groups = command("groups.json", null, "groups", "--json");
        List<String[]> nics = nics(groups.out());
        command("groups.txt", "groups", "groups");
        if (nics.size() < LabPlan.NESTED_GUESTS) {
            progress.accept("expected two e1000e NICs (" + LabPlan.NIC + ") in the lab host, found " + nics.size());
            return 1;
        }
        List<String> bdfs = nics.stream().map(n -> n[0]).toList();
        // bind, vfio-probe and unbind by hand first: the real VFIO ioctls, and proof that unbind gives the NICs back.
        for (String[] n : nics) {
            progress.accept("binding " + n[0] + " to vfio-pci (IOMMU group " + n[1] + ", now on " + n[2] + ")");
        }
        List<String> bind = new ArrayList<>(List.of("bind", "--owner", "lab"));
        bind.addAll(bdfs);
        int bound = command("bind.txt", "bind", bind.toArray(String[]::new)).code();
        if (bound == 0) {
            for (String[] n : nics) {
                command("vfio-" + n[0].replace(':', '_') + ".txt", "VFIO " + n[0], "vfio-probe", n[1], n[0]);
            }
        }
        List<String> unbind = new ArrayList<>(List.of("unbind"));
        unbind.addAll(bdfs);
        int unbound = command("unbind.txt", "unbind", unbind.toArray(String[]::new)).code();
        if (bound != 0 || unbound != 0) {
            return 1;
        }
        Path work = Files.createDirectories(Path.of("/run/vmlaunch-lab"));
        Path share = Files.createDirectories(work.resolve("share"));
        List<Path> guests = new ArrayList<>();
        for (int i = 0; i < bdfs.size(); i++) {
            String name = "lab-virt" + (i + 1);
            guests.add(plan(work, name + ".json", LabPlan.nestedGuest(name, images, share, bdfs.get(i), mode, i)));
        }
        int code = harness(work, guests);
        if (code != 0) {
            for (Path g : guests) {
                keepSupervisorLogs(g.getFileName().toString().replaceFirst("\\.json$", ""));
            }
        }
        boolean restored = driversAre(bdfs, "e1000e", "after the harness");
        boolean detached = detached(work, share, bdfs.get(0), bdfs.get(1));
        int exit = code != 0 ? code : !restored || !detached ? 1 : 0;
        LabChecks.write(dir, exit, restored, detached);
        progress.accept("lab host done (exit " + exit + ")");
        return exit;
    }

    /** Writes a guest or harness file to the lab host's tmpfs, with a copy in the lab folder for the user to read. */
    private Path plan(Path work, String file, String json) throws IOException {
        Path f = work.resolve(file);
        Files.writeString(f, json);
        Files.copy(f, dir.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return f;
    }

    private int harness(Path work, List<Path> guests) throws IOException {
        // The nested guests' share lives on the lab host's own tmpfs: the agent's files never cross 9p twice.
        Path harness = plan(work, "harness.json", LabPlan.harness("lab-x86_64", guests.stream().map(Path::toString).toList(),
                "PCI-MSI", List.of(), mode == LabPlan.Mode.KVM ? 420 : 900));
        progress.accept("starting " + guests.size() + " nested guests (" + mode.accel + "), each with one managed NIC "
                + "through vfio-pci" + (mode == LabPlan.Mode.KVM ? ", each VMM on a lab-host CPU of its own"
                        : " (TCG inside TCG: a minute or two)"));
        StringWriter json = new StringWriter();
        Writer progressErr = new LineWriter(progress);
        int code = Main.execute(new String[] {"test", harness.toString(), "--json", "--junit", dir.resolve("junit.xml").toString()},
                new PrintWriter(json, true), new PrintWriter(progressErr, true));
        Files.writeString(dir.resolve("report.json"), json.toString(), StandardCharsets.UTF_8);
        return code;
    }

    /**
     * The flow a user types: {@code run -d} of one guest with a managed NIC, {@code list}, {@code status}, the hotplug
     * cycle of the other NIC ({@link LabHotplug}), {@code stop}; then both NICs must be back on e1000e. True when every
     * step did what it should.
     */
    private boolean detached(Path work, Path share, String bdf, String hotBdf) throws IOException {
        String name = "lab-detached";
        GuestAgent agent = GuestAgent.install(share, name);
        Path guest = plan(work, name + ".json", LabPlan.hotplugGuest(name, images, share, bdf, mode, 0,
                agent.kernelArgs("hostshare")));
        progress.accept("the detached flow: run -d " + name + " with " + bdf + " managed, list, status, attach "
                + hotBdf + " --managed, a workload through it, detach, stop");
        int failures = 0;
        // If the flow hangs (run -d, the agent, attach or detach), the lab host is stopped at its time limit and its
        // /run is lost: keep the logs before that.
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread watchdog = new Thread(() -> {
            try {
                if (!done.await(6, java.util.concurrent.TimeUnit.MINUTES)) {
                    progress.accept("the detached flow of " + name + " still runs after 6 min; its logs go to the lab "
                            + "folder as " + name + "-*");
                    keepSupervisorLogs(name);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vmlaunch-lab-detached-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            return detachedSteps(work, guest, name, bdf, hotBdf, agent, failures);
        } finally {
            done.countDown();
        }
    }

    private boolean detachedSteps(Path work, Path guest, String name, String bdf, String hotBdf, GuestAgent agent,
            int failures) throws IOException {
        // The ready timeout is generous: the supervisor's own JVM starts first, and inside a TCG lab host on a busy
        // machine that alone took 40 s.
        if (command("detached-run.txt", "run -d", "run", "-d", "--ready-timeout", "600", guest.toString()).code() != 0) {
            keepSupervisorLogs(name);
            // A supervisor that was only slow may still start the guest: stop whatever there is.
            command("detached-stop.txt", "stop", "stop", "--force", name);
            return false;
        }
        try {
            Result list = command("detached-list.txt", "list", "list");
            if (list.code() != 0 || !list.out().lines().anyMatch(l -> l.contains(name) && l.contains(bdf))) {
                progress.accept("FAIL: list does not show " + name + " with " + bdf);
                failures++;
            }
            Result status = command("detached-status.txt", "status", "status", name);
            if (status.code() != 0 || !status.out().contains("state:     running")) {
                progress.accept("FAIL: status does not say " + name + " is running");
                failures++;
            }
            // A power button pressed before the guest's acpid listens is lost; stop would then wait out its timeout.
            java.time.Duration boot = java.time.Duration.ofMinutes(mode == LabPlan.Mode.KVM ? 2 : 6);
            LabConsole.awaitReady(dev.vmlaunch.supervise.GuestDir.of(stateRoot(), name).consoleLog(), boot, progress);
            java.util.function.BooleanSupplier alive = () -> dev.vmlaunch.supervise.GuestRecords.find(stateRoot(), name)
                    .map(dev.vmlaunch.supervise.GuestRecords.Record::vmmAlive).orElse(false);
            try {
                agent.awaitAnnouncement(boot, alive);
                if (!new LabHotplug(dir, progress, this::command, java.time.Duration.ofMinutes(3))
                        .cycle(name, hotBdf, agent, alive)) {
                    failures++;
                }
                agent.stop();
            } catch (RuntimeException e) {
                progress.accept("FAIL: the agent of " + name + ": " + e.getMessage());
                failures++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures++;
            }
        } finally {
            if (command("detached-stop.txt", "stop", "stop", name).code() != 0) {
                failures++;
            }
        }
        if (!driversAre(List.of(bdf, hotBdf), "e1000e", "after stop")) {
            failures++;
        }
        if (failures > 0) {
            keepSupervisorLogs(name);
        }
        return failures == 0;
    }

    /** Copies what the supervisor of {@code name} and its VMM wrote into the lab folder: the lab host's /run goes with it. */
    private void keepSupervisorLogs(String name) {
        Path root = stateRoot();
        List<Path> logs = new ArrayList<>();
        try (var s = Files.newDirectoryStream(root, ".supervisor-" + name + "-*.log")) {
            s.forEach(logs::add);
        } catch (IOException e) {
            // None written.
        }
        Path gd = root.resolve(name);
        for (String f : List.of("supervisor.log", "vmm.log", "console.log", "events.jsonl")) {
            logs.add(gd.resolve(f));
        }
        for (Path log : logs) {
            String file = log.getFileName().toString();
            keepTail(log, dir.resolve(name + "-" + (file.startsWith(".") ? file.substring(1) : file)));
        }
    }

    /** At most the last MiB of {@code from} (a guest wrote it: never followed as a link, never read whole). */
    private void keepTail(Path from, Path to) {
        final long max = 1 << 20;
        try (var c = java.nio.channels.FileChannel.open(from, java.nio.file.StandardOpenOption.READ,
                java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            long size = c.size();
            c.position(Math.max(0, size - max));
            try (var out = java.nio.channels.FileChannel.open(to, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                out.transferFrom(c, 0, max);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // That file was never written.
        } catch (IOException e) {
            progress.accept("could not keep " + from + ": " + e.getMessage());
        }
    }

    private static Path stateRoot() {
        return dev.vmlaunch.supervise.StateRoot.resolve(System.getenv());
    }

    /** Checks (and reports) that each device is bound to {@code driver} now, as sysfs says. */
    private boolean driversAre(List<String> bdfs, String driver, String when) {
        dev.vmlaunch.host.Sysfs sysfs = new dev.vmlaunch.host.Sysfs(Path.of("/sys"));
        boolean all = true;
        for (String bdf : bdfs) {
            String now = sysfs.device(dev.vmlaunch.config.PciAddress.parse(bdf)).map(d -> d.driver()).orElse(null);
            boolean ok = driver.equals(now);
            all &= ok;
            progress.accept((ok ? "" : "FAIL: ") + when + ": " + bdf + " is on " + (now == null ? "no driver" : now)
                    + (ok ? " again" : ", expected " + driver));
        }
        return all;
    }

    /** [address, group, driver] of each e1000e, from `groups --json`. */
    static List<String[]> nics(String groupsJson) throws IOException {
        List<String[]> out = new ArrayList<>();
        JsonNode j = new ObjectMapper().readTree(groupsJson);
        String[] vd = LabPlan.NIC.split(":");
        for (JsonNode g : j.path("groups")) {
            for (JsonNode d : g.path("devices")) {
                if (vd[0].equals(d.path("vendor").asText()) && vd[1].equals(d.path("device").asText())) {
                    out.add(new String[] {d.path("address").asText(), g.path("id").asText(), d.path("driver").asText("none")});
                }
            }
        }
        return out;
    }

    record Result(int code, String out, String err) {
    }

    /** Runs one vmlaunch command in this JVM; keeps its output in the lab folder and shows it as progress. */
    private Result command(String file, String label, String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        Files.writeString(dir.resolve(file), out + err.toString(), StandardCharsets.UTF_8);
        if (label != null) {
            progress.accept("$ vmlaunch " + String.join(" ", args) + "   (exit " + code + ")");
            (out + err.toString()).lines().filter(l -> !l.isBlank()).forEach(l -> progress.accept("    " + l));
        }
        return new Result(code, out.toString(), err.toString());
    }

    /** Turns what a command writes into progress lines. */
    private static final class LineWriter extends Writer {
        private final ProgressLog progress;
        private final StringBuilder line = new StringBuilder();

        LineWriter(ProgressLog progress) {
            this.progress = progress;
        }

        @Override
        public synchronized void write(char[] cbuf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (cbuf[i] == '\n') {
                    progress.accept("    " + line.toString().replaceFirst("^\\[\\s*[0-9.]+ s\\] ", ""));
                    line.setLength(0);
                } else {
                    line.append(cbuf[i]);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
