package dev.vmlaunch.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.harness.GuestAgent;
import dev.vmlaunch.harness.HostInterruptSide;
import dev.vmlaunch.harness.InterruptDiff;
import dev.vmlaunch.harness.InterruptFormatException;
import dev.vmlaunch.harness.ProcInterrupts;
import dev.vmlaunch.harness.ProgressLog;
import dev.vmlaunch.host.HostRoots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The lab's hotplug cycle, typed as a user would into the running detached guest: {@code attach NAME BDF --managed},
 * {@code list}, {@code status}, a harness-style workload through the agent (the attached NIC's interrupts must move in
 * the guest; the lab host's own vfio rows for it are read around the same window), {@code detach NAME BDF}, and the
 * NIC back on e1000e. Writes {@value #FILE} to the lab folder for LabIT.
 */
final class LabHotplug {
    static final String FILE = "hotplug.json";
    private static final int KERNEL_LINES = 12;
    /** The lab host's own interrupts, where its vfio rows for the attached NIC are. */
    private static final Path HOST_INTERRUPTS =
            HostRoots.fromEnvironment().proc().resolve("interrupts");

    private final Path dir;
    private final ProgressLog progress;
    private final LabInside.Commands commands;
    private final Duration workloadTimeout;
    /** The /proc/interrupts chip the attached NIC's vectors must sit on in the guest (ITS-MSI on arm64). */
    private final String chip;

    LabHotplug(Path dir, ProgressLog progress, LabInside.Commands commands, Duration workloadTimeout, String chip) {
        this.dir = dir;
        this.progress = progress;
        this.commands = commands;
        this.workloadTimeout = workloadTimeout;
        this.chip = chip;
    }

    /**
     * One attach → workload → detach cycle of {@code bdf} in running guest {@code name}, whose agent has announced
     * itself. True when every step did what it should; the NIC is detached (or the guest's stop gives it back) whatever
     * happens.
     */
    boolean cycle(String name, String bdf, GuestAgent agent, BooleanSupplier alive) throws IOException {
        Instant t0 = Instant.now();
        ObjectNode out = JsonMappers.object().put("host", bdf);
        boolean ok = false;
        boolean attached = false;
        try {
            LabInside.Result attach = commands.run("hotplug-attach.txt", "attach", "attach", name, bdf, "--managed");
            attached = attach.code() == 0;
            out.put("attachExit", attach.code());
            if (!attached) {
                progress.accept("FAIL: attach " + bdf + " to " + name + " exited " + attach.code());
                return false;
            }
            LabInside.Result list = commands.run("hotplug-list.txt", "list", "list");
            boolean listed = list.out().lines().anyMatch(l -> l.contains(name) && l.contains(bdf + "(attached)"));
            out.put("listed", listed);
            LabInside.Result status = commands.run("hotplug-status.json", null, "status", "--json", name);
            String guestBdf = guestAddress(status.out(), bdf);
            out.put("guest", guestBdf);
            if (!listed || guestBdf == null) {
                progress.accept(
                        "FAIL: list/status do not show " + bdf + " attached to " + name + " with a guest address");
                return false;
            }
            progress.accept(
                    "hotplug: " + bdf + " is " + guestBdf + " in " + name + "; running the workload through it");
            String hostBefore = ProcInterrupts.readCapped(HOST_INTERRUPTS);
            GuestAgent.CommandResult r = agent.run(LabPlan.hotplugWorkload(guestBdf), workloadTimeout, alive);
            String hostAfter = ProcInterrupts.readCapped(HOST_INTERRUPTS);
            // A real lab host's tables around traffic through a device attached with vfio-pci, for the tests' samples.
            Files.writeString(dir.resolve("hotplug-host-interrupts-before.txt"), hostBefore, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("hotplug-host-interrupts-after.txt"), hostAfter, StandardCharsets.UTF_8);
            List<Integer> vectors = r.msiAfter().getOrDefault(guestBdf, List.of());
            InterruptDiff diff = InterruptDiff.between(
                            ProcInterrupts.parse(r.interruptsBefore()), ProcInterrupts.parse(r.interruptsAfter()))
                    .forIrqs(vectors);
            long delta = diff.totalDelta();
            int fired = (int) diff.rows().stream().filter(d -> d.delta() > 0).count();
            HostInterruptSide host = HostInterruptSide.of(bdf, hostBefore, hostAfter, delta);
            String chips = diff.rows().stream()
                    .map(d -> d.after().chip())
                    .filter(java.util.Objects::nonNull)
                    .distinct()
                    .collect(java.util.stream.Collectors.joining(","));
            out.put("workloadExit", r.exitCode())
                    .put("vectors", vectors.size())
                    .put("fired", fired)
                    .put("delta", delta)
                    .put("chip", chips);
            out.set("hostInterrupts", JsonMappers.mapper().valueToTree(host));
            progress.accept("hotplug: workload exited " + r.exitCode() + "; " + guestBdf + " " + fired + "/"
                    + vectors.size() + " " + chips + " vectors fired, delta " + delta + "; host side: "
                    + host.note());
            List<String> kernel = guestHotplugLines(agent, alive);
            out.set("guestKernel", JsonMappers.mapper().valueToTree(kernel));
            progress.accept("hotplug: the guest's kernel on it: "
                    + (kernel.isEmpty() ? "(no pciehp/acpiphp lines)" : String.join(" | ", kernel)));
            ok = r.exitCode() == 0 && fired >= 1 && chip.equals(chips);
            if (r.exitCode() != 0 || fired < 1) {
                progress.accept("FAIL: the attached NIC's interrupts did not move in the guest (output: "
                        + r.output().strip() + ")");
            } else if (!ok) {
                progress.accept("FAIL: the attached NIC's vectors are on " + (chips.isEmpty() ? "no chip" : chips)
                        + ", expected " + chip);
            }
        } catch (InterruptFormatException | RuntimeException e) {
            progress.accept("FAIL: hotplug cycle: " + e.getMessage());
            ok = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ok = false;
        } finally {
            if (attached) {
                LabInside.Result detach =
                        commands.run("hotplug-detach.txt", "detach", "detach", name, bdf, "--timeout", "120");
                out.put("detachExit", detach.code());
                // Given back by detach itself, before the guest stops: the stop would give it back too.
                String driver = driver(bdf);
                out.put("driverAfterDetach", driver);
                progress.accept((detach.code() == 0 && "e1000e".equals(driver) ? "" : "FAIL: ") + "after detach: " + bdf
                        + " is on " + (driver == null ? "no driver" : driver));
                ok &= detach.code() == 0 && "e1000e".equals(driver);
            }
            out.put("seconds", Duration.between(t0, Instant.now()).toMillis() / 1000.0);
            out.put("passed", ok);
            Files.writeString(dir.resolve(FILE), out.toPrettyString() + "\n", StandardCharsets.UTF_8);
        }
        return ok;
    }

    /**
     * The guest kernel's own account of the hotplug (pciehp, native PCIe hotplug, on arm64 virt, which boots without
     * ACPI here; acpiphp where ACPI runs the slot, as QEMU's q35 may), from its dmesg: the proof that the guest saw the slot's event
     * as a user's guest would. The guest wrote it: at most {@value #KERNEL_LINES} lines of at most 200 characters.
     */
    private List<String> guestHotplugLines(GuestAgent agent, BooleanSupplier alive) throws InterruptedException {
        GuestAgent.CommandResult r =
                agent.run("dmesg | grep -E 'pciehp|acpiphp' | tail -n " + KERNEL_LINES, Duration.ofSeconds(60), alive);
        return r.output()
                .lines()
                .map(l -> l.replaceFirst("^\\[\\s*[0-9.]+\\] ", "").strip())
                .filter(l -> !l.isEmpty())
                .limit(KERNEL_LINES)
                .map(l -> l.length() > 200 ? l.substring(0, 200) : l)
                .toList();
    }

    /**
     * {@code attach NAME BDF --managed} of a running kvmtool guest: refused with exit 2 and kvmtool's reason before
     * anything is bound, so {@code bdf} stays on e1000e. Writes {@value #FILE} with the outcome.
     */
    boolean refusedForKvmtool(String name, String bdf) throws IOException {
        LabInside.Result attach = commands.run("hotplug-attach.txt", "attach", "attach", name, bdf, "--managed");
        String driver = driver(bdf);
        boolean reason = attach.err().contains("runs on kvmtool, which has no PCI hotplug");
        boolean ok = attach.code() == 2 && reason && "e1000e".equals(driver);
        progress.accept((ok ? "ok: " : "FAIL: ") + "attach to the kvmtool guest " + name + " exited " + attach.code()
                + (reason ? " with kvmtool's reason" : " without saying kvmtool has no hotplug") + "; " + bdf
                + " is on " + (driver == null ? "no driver" : driver));
        ObjectNode out = JsonMappers.object()
                .put("host", bdf)
                .put("vmm", "lkvm")
                .put("attachExit", attach.code())
                .put("refusedForKvmtool", reason)
                .put("driverAfterAttach", driver)
                .put("passed", ok);
        Files.writeString(dir.resolve(FILE), out.toPrettyString() + "\n", StandardCharsets.UTF_8);
        return ok;
    }

    private static String driver(String bdf) {
        return new dev.vmlaunch.host.Sysfs(HostRoots.fromEnvironment().sysfs())
                .device(PciAddress.parse(bdf))
                .map(dev.vmlaunch.host.PciDevice::driver)
                .orElse(null);
    }

    /** The guest address status reports for host device {@code bdf}, validated; null when it has none. */
    static String guestAddress(String statusJson, String bdf) throws IOException {
        JsonNode s = JsonMappers.mapper().readTree(statusJson);
        for (JsonNode d : s.path("devices")) {
            if (bdf.equals(d.path("host").asText()) && d.path("attached").asBoolean() && d.hasNonNull("guest")) {
                try {
                    return PciAddress.parse(d.path("guest").asText()).toString();
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
