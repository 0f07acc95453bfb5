package dev.vmlaunch.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.harness.GuestAgent;
import dev.vmlaunch.harness.ProgressLog;
import dev.vmlaunch.host.BoundedCommand;
import dev.vmlaunch.host.HostRoots;
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
 * emulated intel IOMMU): the commands a user would type — {@code host check}, {@code groups}, {@code bind},
 * {@code vfio-probe}, {@code unbind}, a two-guest {@code test}, the detached flow ({@code run -d}, {@code list},
 * {@code status}, hotplug, {@code stop}), and, while the detached guest boots, {@code bind}, {@code host check} and
 * {@code check} of the NIC it does not use (the before-launch verdicts) and {@code unbind} — against the lab host's
 * real kernel.
 * Everything it learns goes to the lab folder (a 9p share the outer vmlaunch reads): progress.log, each command's
 * output, report.json, junit.xml.
 */
public final class LabInside {
    private static final Path KVM = HostRoots.fromEnvironment().dev().resolve("kvm");

    private final Path dir;
    private final Path images;
    private final LabPlan.Mode mode;
    private final LabArch arch = LabArch.of(dev.vmlaunch.config.Arch.host().orElse(dev.vmlaunch.config.Arch.X86_64));
    /**
     * The user's kvmtool as the lab host sees it, or null. x86_64: the detached guest runs under it; aarch64: every
     * nested guest does.
     */
    private final String lkvm;

    private final ProgressLog progress;
    private final CommandLineRunner cli;

    LabInside(Path dir, Path images, LabPlan.Mode mode, String lkvm, PrintWriter console, CommandLineRunner cli) {
        this.cli = cli;
        this.dir = dir;
        this.images = images;
        this.mode = mode;
        this.lkvm = lkvm;
        this.progress = new ProgressLog(Instant.now(), console, dir.resolve("progress.log"));
    }

    /** Runs the lab inside; returns the harness's exit code (0: every NIC's interrupts fired in its nested guest). */
    public static int run(Path dir, Path images, String mode, String lkvm, PrintWriter console, CommandLineRunner cli)
            throws IOException {
        return new LabInside(
                        dir, images, LabPlan.Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)), lkvm, console, cli)
                .run();
    }

    int run() throws IOException {
        LabHeartbeat.start(dir);
        String kernel = Files.readString(HostRoots.fromEnvironment().proc().resolve("sys/kernel/osrelease"))
                .trim();
        // Where the lab host's start went: its kernel's uptime includes this JVM's start.
        String uptime = Files.readString(HostRoots.fromEnvironment().proc().resolve("uptime"))
                .split(" ")[0];
        long jvm = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        progress.accept(
                "lab host up: kernel " + kernel + ", " + Runtime.getRuntime().availableProcessors()
                        + " CPUs, up " + uptime + " s of which this JVM "
                        + String.format(java.util.Locale.ROOT, "%.1f", jvm / 1000.0)
                        + " s (" + ClassDataSharing.describe() + "); running vmlaunch inside it");
        if (mode == LabPlan.Mode.KVM) {
            String why = LabKvm.unusable(KVM, arch);
            if (why != null) {
                // The outer lab turns this file into its exit-3 message.
                Files.writeString(
                        dir.resolve(LabKvm.UNUSABLE_FILE), why + System.lineSeparator(), StandardCharsets.UTF_8);
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
        Path work = Files.createDirectories(Path.of("/run/vmlaunch-lab"));
        if (lkvm != null) {
            // ~/.lkvm in the arm64 root points here: the root is read-only, /run is the lab host's tmpfs.
            Files.createDirectories(Path.of(LabRoot.LKVM_SOCKETS));
        }
        Path share = Files.createDirectories(work.resolve("share"));
        if (bound == 0) {
            for (String[] n : nics) {
                command("vfio-" + n[0].replace(':', '_') + ".txt", "VFIO " + n[0], "vfio-probe", n[1], n[0]);
            }
        }
        List<String> unbind = new ArrayList<>(List.of("unbind"));
        unbind.addAll(bdfs);
        int unbound =
                command("unbind.txt", "unbind", unbind.toArray(String[]::new)).code();
        if (bound != 0 || unbound != 0) {
            return 1;
        }
        List<Path> guests = new ArrayList<>();
        for (int i = 0; i < bdfs.size(); i++) {
            String name = "lab-virt" + (i + 1);
            guests.add(plan(
                    work,
                    name + ".json",
                    LabPlan.nestedGuest(arch, name, images, share, bdfs.get(i), mode, i, harnessLkvm())));
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

    /**
     * The before-launch verdicts on the lab host's real devices with both NICs on vfio-pci, run while the detached
     * guest boots on lab-host CPU 0 (its boot is ~20 s of this JVM only waiting; these commands need no second nested
     * guest, so the other CPU is theirs): {@code bind} of the NIC the detached guest does not use ({@code bdf}; the
     * other one its supervisor bound), {@code host check} (a reset, BARs and boot framebuffer line per NIC on
     * vfio-pci), {@code check} of a guest with that NIC on CPU 1 (those plus interrupt isolation, the MMIO window,
     * NUMA, with the kernel's VFIO hot-reset answer; check.json is what LabIT reads), and {@code unbind}, so that the
     * hotplug cycle finds the NIC on e1000e. The number of failures.
     */
    private int diagnoseWhileItBoots(Path work, Path share, String name, String bdf) throws IOException {
        progress.accept("while " + name + " boots: the before-launch verdicts of " + bdf + " on vfio-pci");
        if (command("bind-" + bdf.replace(':', '_') + ".txt", "bind", "bind", "--owner", "lab", bdf)
                        .code()
                != 0) {
            return 1;
        }
        int failures = 0;
        if (command("host-check-bound.txt", "host check", "host", "check").code() != 0) {
            failures++;
        }
        Path guest = plan(
                work,
                "lab-check.json",
                LabPlan.nestedGuest(arch, "lab-check", images, share, bdf, mode, 1, harnessLkvm()));
        if (command("check.txt", "check", "check", guest.toString()).code() != 0) {
            failures++;
        }
        command("check.json", null, "check", "--json", guest.toString());
        if (command("unbind-" + bdf.replace(':', '_') + ".txt", "unbind", "unbind", bdf)
                        .code()
                != 0) {
            failures++;
        }
        return failures;
    }

    /** Writes a guest or harness file to the lab host's tmpfs, with a copy in the lab folder for the user to read. */
    /** The kvmtool of the harness's guests: aarch64's --lkvm; x86_64's --lkvm is for the detached guest only. */
    private String harnessLkvm() {
        return arch == LabArch.AARCH64 ? lkvm : null;
    }

    private Path plan(Path work, String file, String json) throws IOException {
        Path f = work.resolve(file);
        Files.writeString(f, json);
        Files.copy(f, dir.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return f;
    }

    private int harness(Path work, List<Path> guests) throws IOException {
        // The nested guests' share lives on the lab host's own tmpfs: the agent's files never cross 9p twice.
        Path harness = plan(
                work,
                "harness.json",
                LabPlan.harness(
                        "lab-" + arch.json(),
                        guests.stream().map(Path::toString).toList(),
                        arch.chip,
                        List.of(),
                        arch.nestedBootTimeout(mode)));
        progress.accept(
                "starting " + guests.size() + " nested guests (" + mode.accel + (lkvm != null ? ", kvmtool" : "")
                        + "), each with one managed NIC "
                        + "through vfio-pci"
                        + (mode == LabPlan.Mode.KVM
                                ? ", each VMM on a lab-host CPU of its own"
                                : " (TCG inside TCG: a minute or two)"));
        StringWriter json = new StringWriter();
        Writer progressErr = new LineWriter(progress);
        int code = cli.execute(
                new String[] {
                    "test",
                    harness.toString(),
                    "--json",
                    "--junit",
                    dir.resolve("junit.xml").toString()
                },
                new PrintWriter(json, true),
                new PrintWriter(progressErr, true));
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
        // The hotplug cycle needs a qemu guest (q35 or virt: both have PCIe root ports); kvmtool has no hotplug, so a
        // kvmtool detached guest checks that attach refuses it instead.
        boolean hotplug = lkvm == null;
        GuestAgent agent = hotplug ? GuestAgent.install(share, name) : null;
        // x86_64 --lkvm: the detached guest is the kvmtool one (the harness's stay qemu); aarch64: every nested guest
        // is.
        Path guest = plan(
                work,
                name + ".json",
                hotplug
                        ? LabPlan.hotplugGuest(arch, name, images, share, bdf, mode, 0, agent.kernelArgs("hostshare"))
                        : lkvm != null && arch == LabArch.X86_64
                                ? LabPlan.nestedLkvmGuest(name, images, lkvm, bdf, 0)
                                : LabPlan.nestedGuest(arch, name, images, share, bdf, mode, 0, lkvm));
        progress.accept("the detached flow: run -d " + name + " with " + bdf + " managed, list, status"
                + (hotplug
                        ? ", attach " + hotBdf + " --managed, a workload through it, detach"
                        : ", attach " + hotBdf + " refused")
                + ", stop"
                + (lkvm != null
                        ? " (kvmtool " + lkvm + ": also its console, pause/resume, lkvm list, a graceful stop)"
                        : ""));
        int failures = 0;
        // If the flow hangs (run -d, the agent, attach or detach), the lab host is stopped at its time limit and its
        // /run is lost: keep the logs before that.
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread watchdog = new Thread(
                () -> {
                    try {
                        if (!done.await(arch.nestedBootTimeout(mode), java.util.concurrent.TimeUnit.SECONDS)) {
                            progress.accept("run -d " + name + " still runs after " + arch.nestedBootTimeout(mode)
                                    + " s; its logs go to the lab folder as " + name + "-*");
                            keepSupervisorLogs(name);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "vmlaunch-lab-detached-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            return detachedSteps(work, share, guest, name, bdf, hotBdf, agent, failures);
        } finally {
            done.countDown();
        }
    }

    private boolean detachedSteps(
            Path work, Path share, Path guest, String name, String bdf, String hotBdf, GuestAgent agent, int failures)
            throws IOException {
        // The ready timeout is generous: the supervisor's own JVM starts first, and inside a TCG lab host on a busy
        // machine that alone took 40 s.
        if (command(
                                "detached-run.txt",
                                "run -d",
                                "run",
                                "-d",
                                "--ready-timeout",
                                Integer.toString(Math.max(600, arch.nestedBootTimeout(mode))),
                                guest.toString())
                        .code()
                != 0) {
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
            if (lkvm != null && !lkvmList(name)) {
                failures++;
            }
            Result status = command("detached-status.txt", "status", "status", name);
            if (status.code() != 0 || !status.out().contains("state:     running")) {
                progress.accept("FAIL: status does not say " + name + " is running");
                failures++;
            }
            failures += diagnoseWhileItBoots(work, share, name, hotBdf);
            // A power button pressed before the guest's acpid listens is lost; stop would then wait out its timeout.
            // For kvmtool the ready line in console.log is also the proof that its console is captured.
            java.time.Duration boot = java.time.Duration.ofSeconds(arch.nestedBootTimeout(mode));
            boolean ready = LabConsole.awaitReady(
                    dev.vmlaunch.supervise.GuestDir.of(stateRoot(), name).consoleLog(), boot, progress);
            if (lkvm != null) {
                failures += ready ? new LabLkvmChecks(name, dir, lkvm, progress, this::command).run() : 1;
                failures += hotplugRefused(name, hotBdf) ? 0 : 1;
            }
            if (agent != null) {
                failures += hotplugCycle(name, hotBdf, agent, boot);
            }
        } finally {
            Result stop = command("detached-stop.txt", "stop", "stop", name);
            if (stop.code() != 0) {
                failures++;
            } else if (lkvm != null
                    && !stop.out().contains("typed 'poweroff' on the console;")
                    && !stop.err().contains("typed 'poweroff' on the console: the guest halted")) {
                // x86 kvmtool has no ACPI: poweroff halts the guest (seen on its console) and IPC STOP ends kvmtool.
                progress.accept("FAIL: stop did not power the kvmtool guest down (or halt it) by typing poweroff on "
                        + "its console");
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

    /** kvmtool's own view beside vmlaunch's: {@code lkvm list} must show {@code name} running. */
    private boolean lkvmList(String name) throws IOException {
        BoundedCommand.Result r =
                BoundedCommand.run(List.of(lkvm, "list"), java.time.Duration.ofSeconds(60), 64 * 1024);
        Files.writeString(dir.resolve("detached-lkvm-list.txt"), r.out() + r.err(), StandardCharsets.UTF_8);
        progress.accept("$ lkvm list   (exit " + (r.timedOut() ? "none: killed after 60 s" : r.exit()) + ")");
        (r.out() + r.err()).lines().filter(l -> !l.isBlank()).forEach(l -> progress.accept("    " + l));
        boolean shown = r.ok()
                && r.out()
                        .lines()
                        .anyMatch(l ->
                                l.matches("\\s*[0-9]+\\s+" + java.util.regex.Pattern.quote(name) + "\\s+running\\s*"));
        if (!shown) {
            progress.accept("FAIL: lkvm list does not show " + name + " running");
        }
        return shown;
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
        try (var c = java.nio.channels.FileChannel.open(
                from, java.nio.file.StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            long size = c.size();
            c.position(Math.max(0, size - max));
            try (var out = java.nio.channels.FileChannel.open(
                    to,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                out.transferFrom(c, 0, max);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // That file was never written.
        } catch (IOException e) {
            progress.accept("could not keep " + from + ": " + e.getMessage());
        }
    }

    private static Path stateRoot() {
        return dev.vmlaunch.state.StateRoot.resolve(System.getenv());
    }

    /** Checks (and reports) that each device is bound to {@code driver} now, as sysfs says. */
    /** attach --managed, a workload through the attached NIC, detach: the number of failures. */
    private int hotplugCycle(String name, String hotBdf, GuestAgent agent, java.time.Duration boot) throws IOException {
        java.util.function.BooleanSupplier alive = () -> dev.vmlaunch.supervise.RecordedGuests.find(stateRoot(), name)
                .map(dev.vmlaunch.supervise.RecordedGuests.Record::vmmAlive)
                .orElse(false);
        int failures = 0;
        try {
            agent.awaitAnnouncement(boot, alive);
            if (!new LabHotplug(dir, progress, this::command, java.time.Duration.ofMinutes(3), arch.chip)
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
        return failures;
    }

    /** kvmtool has no hotplug: attach must refuse the detached kvmtool guest at once and leave the NIC as it was. */
    private boolean hotplugRefused(String name, String hotBdf) throws IOException {
        return new LabHotplug(dir, progress, this::command, java.time.Duration.ofMinutes(3), arch.chip)
                .refusedForKvmtool(name, hotBdf);
    }

    private boolean driversAre(List<String> bdfs, String driver, String when) {
        dev.vmlaunch.host.Sysfs sysfs =
                new dev.vmlaunch.host.Sysfs(HostRoots.fromEnvironment().sysfs());
        boolean all = true;
        for (String bdf : bdfs) {
            String now = sysfs.device(dev.vmlaunch.config.PciAddress.parse(bdf))
                    .map(d -> d.driver())
                    .orElse(null);
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
        JsonNode j = JsonMappers.mapper().readTree(groupsJson);
        String[] vd = LabPlan.NIC.split(":");
        for (JsonNode g : j.path("groups")) {
            for (JsonNode d : g.path("devices")) {
                if (vd[0].equals(d.path("vendor").asText())
                        && vd[1].equals(d.path("device").asText())) {
                    out.add(new String[] {
                        d.path("address").asText(),
                        g.path("id").asText(),
                        d.path("driver").asText("none")
                    });
                }
            }
        }
        return out;
    }

    record Result(int code, String out, String err) {}

    /**
     * A vmlaunch command in this JVM, its output kept in the lab folder as {@code file} and shown as progress under
     * {@code label} (null: not shown), for the lab's checks that live in classes of their own.
     */
    interface Commands {
        Result run(String file, String label, String... args) throws IOException;
    }

    /** Runs one vmlaunch command in this JVM; keeps its output in the lab folder and shows it as progress. */
    private Result command(String file, String label, String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
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
        public void flush() {}

        @Override
        public void close() {}
    }
}
