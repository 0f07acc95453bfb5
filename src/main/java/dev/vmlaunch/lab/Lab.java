package dev.vmlaunch.lab;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.harness.HarnessGuests;
import dev.vmlaunch.harness.HarnessReport;
import dev.vmlaunch.harness.HarnessReportReader;
import dev.vmlaunch.harness.ProgressLog;
import dev.vmlaunch.harness.SupervisedHarnessGuests;
import dev.vmlaunch.host.GuestReadiness;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.vmm.Executables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The virtual passthrough lab: Arm's SMMU test engine flow (bind devices to vfio-pci, boot
 * guests with them passed through, prove their MSIs fire) on any Linux machine with QEMU.
 *
 * <p>x86_64: a q35 "lab host" under TCG with an emulated intel IOMMU (interrupt remapping, caching mode) and two
 * e1000e NICs, booted from the test image with this machine's / as its root over 9p, so the same jar runs inside it
 * against a real kernel: real IOMMU groups, real sysfs binds, real VFIO ioctls, and two nested guests that each get
 * one NIC through vfio-pci and must show its MSI-X interrupts firing. aarch64: the same with a virt lab host at EL2
 * with SMMUv3 and a GICv3 ITS, an arm64 root assembled from Debian packages ({@link LabRoot}) instead of this
 * machine's /, and nested guests judged on their ITS-MSI vectors; with {@code --lkvm} they run under the user's
 * kvmtool, as in the Arm how-to.
 */
public final class Lab {
    /**
     * The lab host's vCPUs: under KVM one per nested guest (each VMM is pinned to its own), which also carry the lab's
     * JVM; a third vCPU on this 2-core machine only adds a TCG thread competing for the same cores.
     */
    static final int LAB_HOST_CPUS = LabPlan.NESTED_GUESTS;

    private final Arch arch;
    private final Path images;
    private final Map<String, String> env;
    private final ProgressLog progress;
    private final LabPlan.Mode mode;
    private final Path lkvm;
    private final Instant t0 = Instant.now();
    private volatile HarnessGuests.RunningGuest labHost;
    private volatile boolean interrupted;

    /** {@code tcg}: the nested guests run under TCG inside the TCG lab host (for hosts where nested KVM fails). */
    public Lab(Arch arch, Path images, Map<String, String> env, java.io.PrintWriter err, boolean tcg) {
        this(arch, images, env, err, tcg, null);
    }

    /**
     * {@code lkvm}: a kvmtool binary for the lab host's architecture, checked by {@link LabLkvm#binary}. x86_64: the
     * detached-flow guest runs under it; aarch64: the nested guests do. Null: every nested guest is a qemu guest.
     */
    public Lab(Arch arch, Path images, Map<String, String> env, java.io.PrintWriter err, boolean tcg, Path lkvm) {
        this.arch = arch;
        this.lkvm = lkvm;
        this.mode = tcg ? LabPlan.Mode.TCG : LabPlan.Mode.KVM;
        this.images = images;
        this.env = env;
        this.progress = new ProgressLog(t0, err, null);
    }

    /**
     * The lab's outcome: the harness report (from inside the lab host for x86_64), where its files are, and whether
     * everything else the lab checked held (x86_64: NICs given back, the detached flow).
     */
    public record Outcome(HarnessReport report, Path folder, boolean checksPassed) {
        public boolean passed() {
            return report.passed() && checksPassed;
        }
    }

    /** Runs the lab; throws with exit 3 when QEMU or the images are missing, 1 when the lab itself broke. */
    public Outcome run() throws Exception {
        preflight();
        Path state = StateRoot.ensureDir(StateRoot.resolve(env));
        String name = "lab-" + arch.json();
        try {
            return nested(state, LabFolder.clear(state, name));
        } catch (LabStall.StalledException first) {
            Path kept = LabFolder.keep(state, name, name + ".stalled");
            progress.accept("the lab host stalled: " + first.getMessage() + "; its files are in " + kept
                    + "; running the lab once more");
            try {
                return nested(state, LabFolder.clear(state, name));
            } catch (LabStall.StalledException again) {
                throw VmlaunchException.failure("the lab host stalled again: " + again.getMessage()
                        + " (the first stall's files: " + kept + "; this one's: " + state.resolve(name) + ")");
            }
        }
    }

    /**
     * How long the lab host may go without a heartbeat before it counts as stalled: about four times the longest
     * gap measured on a loaded machine (the heartbeat thread shares the lab host's two vCPUs with nested guests);
     * VMLAUNCH_LAB_STALL_SECONDS overrides it.
     */
    private Duration stallLimit() {
        String v = env.get("VMLAUNCH_LAB_STALL_SECONDS");
        if (v != null && v.matches("[1-9][0-9]{0,5}")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        return Duration.ofSeconds(arch == Arch.X86_64 ? 90 : 180);
    }

    /** Ctrl-C: stop whatever runs; {@link #run} then ends with a failure. */
    public void interrupt() {
        interrupted = true;
        progress.accept("interrupted: stopping the lab");
        HarnessGuests.RunningGuest h = labHost;
        if (h != null) {
            h.stop(Duration.ofSeconds(5));
        }
    }

    private void preflight() {
        String qemu = "qemu-system-" + arch.json();
        if (Executables.find(qemu, env.get("PATH")).isEmpty()) {
            throw VmlaunchException.hostNotReady(qemu + " not found on PATH: " + Executables.installHint(qemu));
        }
        List<Path> need = arch == Arch.X86_64
                ? List.of(
                        images.resolve("x86_64/vmlinux"),
                        images.resolve("x86_64/vmlinuz"),
                        images.resolve("x86_64/initramfs.gz"))
                : List.of(images.resolve("aarch64/Image"), images.resolve("aarch64/initramfs.gz"));
        for (Path p : need) {
            if (!Files.isRegularFile(p)) {
                throw VmlaunchException.hostNotReady("test image missing: " + p + " (build it: test-images/build "
                        + arch.json() + ", or run ./dev demo)");
            }
        }
        if (lkvm != null && !(Files.isRegularFile(lkvm) && Files.isExecutable(lkvm))) {
            throw VmlaunchException.usage("--lkvm " + lkvm + ": not an executable file (an " + arch.json()
                    + " kvmtool binary, static or runnable in the lab host's root)");
        }
    }

    private Outcome nested(Path state, Path folder) throws Exception {
        Path jar = runningJar();
        LabArch la = LabArch.of(arch);
        Path root = Path.of("/");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (la == LabArch.AARCH64) {
            root = LabRoot.aarch64(env, progress).dir();
            java = Path.of(LabRoot.JAVA);
        }
        List<Path> onCmdline = new java.util.ArrayList<>(List.of(jar.getFileName(), java));
        if (lkvm != null) {
            onCmdline.add(lkvm.getFileName());
        }
        for (Path p : onCmdline) {
            if (p.toString().matches(".*\\s.*")) {
                throw VmlaunchException.usage("the lab passes " + p + " on the lab host's kernel command line, which "
                        + "cannot hold spaces: move it to a path without any");
            }
        }
        Path hostFile = folder.resolve("lab-host.json");
        Files.writeString(hostFile, LabPlan.labHost(la, images, folder, root, java, jar, mode, LAB_HOST_CPUS, lkvm));
        GuestSpec spec = GuestSpecLoader.load(hostFile, VmmDrivers::rules).spec();
        GuestReadiness.assess(spec, VmmDrivers.of(spec.vmm()).hostProfile(), hostFile.toString(), env)
                .throwIfNotReady();
        progress.accept(
                la == LabArch.X86_64
                        ? "booting the lab host: q35 under TCG, intel-iommu (intremap=on, caching-mode=on), "
                                + "kernel-irqchip=split, 2 x e1000e, this machine's / read-only over 9p; nested guests under "
                                + (mode == LabPlan.Mode.KVM ? "KVM (kvm_amd in the lab host)" : "TCG (--tcg)")
                        : "booting the lab host: virt at EL2 under TCG (virtualization=on), SMMUv3, GICv3 ITS, 2 x e1000e, "
                                + "the arm64 root read-only over 9p; nested guests under "
                                + (mode == LabPlan.Mode.KVM ? "KVM" : "TCG (--tcg)")
                                + (lkvm != null ? ", run by kvmtool (" + lkvm + ")" : ", run by qemu-system-aarch64"));
        SupervisedHarnessGuests launcher = new SupervisedHarnessGuests(state, Duration.ofMinutes(2), env, progress);
        labHost = launcher.start(spec);
        if (interrupted) {
            labHost.stop(Duration.ofSeconds(5));
        }
        Path log = folder.resolve("progress.log");
        long seen = 0;
        Instant lastNote = Instant.now();
        boolean heard = false;
        Instant deadline = Instant.now().plus(la.labHostLimit());
        LabHeartbeat.Watch beat = new LabHeartbeat.Watch(folder.resolve(LabHeartbeat.FILE), System::nanoTime);
        Duration stallLimit = stallLimit();
        while (labHost.isAlive() && Instant.now().isBefore(deadline)) {
            Duration quiet = beat.poll();
            if (quiet.compareTo(stallLimit) > 0 && !interrupted) {
                String why = LabStall.diagnose(
                        dev.vmlaunch.supervise.GuestDir.of(state, spec.name())
                                .layout(dev.vmlaunch.vmm.RunLayout.ConsoleMode.SOCKET)
                                .qmpCliSocket(),
                        folder);
                relay(log, seen);
                labHost.stop(Duration.ofSeconds(5));
                throw new LabStall.StalledException("no heartbeat for " + quiet.toSeconds() + " s (" + why + ")");
            }
            String panic = LabConsole.panic(labHost.consoleLog());
            if (panic != null) {
                labHost.stop(Duration.ofSeconds(5));
                throw VmlaunchException.failure("the lab host's kernel panicked: " + panic + " (console: "
                        + labHost.consoleLog() + "; lab files: " + folder + ")");
            }
            long before = seen;
            seen = relay(log, seen);
            heard |= seen > before;
            if (!heard && Duration.between(lastNote, Instant.now()).toSeconds() >= 10) {
                progress.accept("booting lab host ... "
                        + Duration.between(t0, Instant.now()).toSeconds() + " s");
                lastNote = Instant.now();
            }
            Thread.sleep(250);
        }
        if (labHost.isAlive()) {
            progress.accept(
                    "the lab host is still running after " + la.labHostLimit().toMinutes() + " min: stopping it");
        }
        labHost.stop(Duration.ofSeconds(10));
        relay(log, seen);
        Path report = folder.resolve("report.json");
        if (interrupted) {
            throw new VmlaunchException(ExitCodes.FAILURE, "lab interrupted; its files are in " + folder);
        }
        Path noKvm = folder.resolve(LabKvm.UNUSABLE_FILE);
        if (Files.isRegularFile(noKvm, LinkOption.NOFOLLOW_LINKS)) {
            throw VmlaunchException.hostNotReady("the lab host has no usable /dev/kvm for its nested guests: "
                    + LabConsole.firstLine(noKvm) + "; 'vmlaunch lab --tcg' runs them under TCG instead (slower); "
                    + "lab files: " + folder);
        }
        if (!Files.isRegularFile(report) || Files.size(report) == 0) {
            throw VmlaunchException.failure(
                    "the lab host ended without a report (" + labHost.ended().orElse("?")
                            + "); last console lines:" + System.lineSeparator() + tail(labHost.consoleLog(), 25)
                            + System.lineSeparator() + "lab files: " + folder);
        }
        LabChecks checks = LabChecks.read(folder);
        if (!Files.isRegularFile(folder.resolve(LabChecks.FILE), LinkOption.NOFOLLOW_LINKS)) {
            progress.accept("FAIL: the lab host did not finish its own checks (no " + LabChecks.FILE
                    + ": it was stopped " + "or failed before; see " + folder.resolve("progress.log") + ")");
        } else if (!checks.passed()) {
            progress.accept(
                    "FAIL: the lab host's own checks: " + (checks.nicsRestored() ? "" : "NICs not back on e1000e; ")
                            + (checks.detachedFlow() ? "" : "the detached flow (run -d, list, status, stop) failed; ")
                            + "exit " + checks.exit() + " (see " + folder.resolve("progress.log") + ")");
        }
        return new Outcome(HarnessReportReader.read(report), folder, checks.passed());
    }

    /** The most of the lab host's progress log read in one poll (the lab host writes it: never read without bound). */
    private static final int RELAY_CHUNK = 1 << 20;

    /** Prints the lines of the lab host's progress log past {@code seen} bytes; returns the new position. */
    private long relay(Path log, long seen) throws IOException {
        if (!Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS)) {
            return seen;
        }
        byte[] chunk;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(
                log, java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            java.nio.ByteBuffer b =
                    java.nio.ByteBuffer.allocate((int) Math.min(RELAY_CHUNK, Math.max(0, ch.size() - seen)));
            while (b.hasRemaining() && ch.read(b, seen + b.position()) > 0) {
                // read what is there
            }
            chunk = java.util.Arrays.copyOf(b.array(), b.position());
        }
        int end = chunk.length;
        while (end > 0 && chunk[end - 1] != '\n') {
            end--;
        }
        if (end == 0) {
            // No whole line yet; a full chunk without one is passed on as it is rather than waited for forever.
            if (chunk.length < RELAY_CHUNK) {
                return seen;
            }
            end = chunk.length;
        }
        new String(chunk, 0, end, StandardCharsets.UTF_8).lines().forEach(progress);
        return seen + end;
    }

    private static String tail(Path file, int lines) {
        return dev.vmlaunch.console.ConsoleTail.read(file, 16 * 1024, lines).orElse("(no console log)");
    }

    /** The jar this code runs from: the lab host runs the very same one. */
    static Path runningJar() {
        return dev.vmlaunch.OwnJar.require("the lab runs vmlaunch's packaged jar inside the lab host");
    }

    /** The test images next to the running jar's project: ROOT/test-images/out (the jar is ROOT/target/vmlaunch.jar). */
    public static Path defaultImages() {
        try {
            Path jar = runningJar();
            return jar.getParent().getParent().resolve("test-images/out");
        } catch (VmlaunchException e) {
            return Path.of("test-images/out").toAbsolutePath();
        }
    }

    /** Removes a lab folder (a leftover one is harmless: the next run clears it). */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
