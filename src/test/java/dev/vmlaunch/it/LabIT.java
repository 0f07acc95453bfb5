package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both labs, run as a user runs the demo. The x86_64 one is the real VFIO path end to end: a kernel with an IOMMU,
 * sysfs binds, VFIO ioctls, and nested QEMUs with -device vfio-pci whose guests' NICs raise MSI-X interrupts.
 */
class LabIT {
    @TempDir
    Path state;

    Map<String, String> env() {
        return Map.of("VMLAUNCH_STATE", state.toString());
    }

    /**
     * The Arm how-to's flow: SMMUv3 and a GICv3 ITS for real in an EL2 lab host whose root is assembled from Debian's
     * arm64 packages (the first run assembles and caches it), two nested KVM guests with one managed NIC each.
     */
    @Test
    void aarch64LabPassesTwoManagedNicsThroughSmmuv3IntoNestedKvmGuestsJudgedOnItsMsi() throws Exception {
        VmlaunchProcess p = VmlaunchProcess.start(env(), "lab", "--arch", "aarch64", "--json", "--keep");
        // The arm64 lab host is TCG of a foreign architecture: minutes alone, far more on a loaded machine.
        assertEquals(0, p.waitFor(Duration.ofMinutes(40)), p.transcript());
        String progress = p.stderrText();
        for (String step : new String[] {
            "arm64 lab root: ",
            "booting the lab host: virt at EL2",
            "lab host up: kernel",
            "$ vmlaunch host check",
            "PASS  cpu-virtualization  the kernel runs at EL2",
            "PASS  kvm",
            "PASS  smmuv3",
            "PASS  gic-its",
            "$ vmlaunch groups",
            "binding 0000:00:05.0 to vfio-pci",
            "0000:00:05.0: e1000e -> vfio-pci",
            "MSI vectors 1, MSI-X vectors 5",
            "0000:00:06.0: vfio-pci -> e1000e",
            "after the harness: 0000:00:05.0 is on e1000e again",
            "after the harness: 0000:00:06.0 is on e1000e again",
            "$ vmlaunch run -d",
            "$ vmlaunch list",
            "$ vmlaunch status lab-detached",
            "$ vmlaunch stop lab-detached",
            "after stop: 0000:00:05.0 is on e1000e again"
        }) {
            assertTrue(progress.contains(step), "missing \"" + step + "\" in:\n" + progress);
        }
        JsonNode r = new ObjectMapper().readTree(String.join("\n", p.stdout()));
        assertTrue(r.get("passed").asBoolean(), r.toPrettyString());
        assertEquals(2, r.get("guests").size());
        for (JsonNode g : r.get("guests")) {
            JsonNode d = g.get("devices").get(0);
            assertEquals("ITS-MSI", d.get("chip").asText(), d.toString());
            assertTrue(d.get("fired").asInt() >= 1 && d.get("delta").asLong() >= 1, d.toString());
            assertEquals("qemu", g.get("vmm").asText(), g.toString());
            assertEquals("kvm", g.get("accel").asText(), "nested guests run under the lab host's KVM: " + g);
            assertTrue(d.get("managed").asBoolean(), d.toString());
            assertEquals("e1000e", d.get("restoredDriver").asText(), d.toString());
        }
        assertFalse(progress.contains("FAIL"), progress);
        Path folder = state.resolve("lab-aarch64");
        assertTrue(
                Files.readString(folder.resolve("host-check.txt")).contains("this host is ready for VFIO passthrough"));
        aarch64VerdictsOnTheLabHostsRealDevices(folder, progress);
        aarch64HotplugCycle(folder, progress);
        boolean leftover = ProcessHandle.allProcesses().anyMatch(ph -> ph.info()
                .commandLine()
                .map(c -> c.contains(state.toString()) && c.contains("qemu-system"))
                .orElse(false));
        assertFalse(leftover, "the lab host is gone");
    }

    @Test
    void x86LabPassesTwoManagedNicsThroughVfioIntoNestedKvmGuests() throws Exception {
        VmlaunchProcess p = VmlaunchProcess.start(env(), "lab", "--json", "--keep");
        assertEquals(0, p.waitFor(Duration.ofMinutes(15)), p.transcript());
        String progress = p.stderrText();
        for (String step : new String[] {
            "booting the lab host",
            "lab host up: kernel",
            "$ vmlaunch host check",
            "PASS  kvm",
            "PASS  interrupt-remapping",
            "$ vmlaunch groups",
            "binding 0000:00:05.0 to vfio-pci",
            "0000:00:05.0: e1000e -> vfio-pci",
            "VFIO API version 0",
            "MSI vectors 1, MSI-X vectors 5",
            "all VFIO fds closed",
            "0000:00:05.0: vfio-pci -> e1000e",
            "0000:00:06.0: vfio-pci -> e1000e",
            "after the harness: 0000:00:05.0 is on e1000e again",
            "after the harness: 0000:00:06.0 is on e1000e again",
            "$ vmlaunch run -d",
            "$ vmlaunch list",
            "$ vmlaunch status lab-detached",
            "$ vmlaunch attach lab-detached 0000:00:06.0 --managed   (exit 0)",
            "0000:00:05.0,0000:00:06.0(attached)",
            "$ vmlaunch detach lab-detached 0000:00:06.0",
            "after detach: 0000:00:06.0 is on e1000e",
            "$ vmlaunch stop lab-detached",
            "after stop: 0000:00:05.0 is on e1000e again",
            "after stop: 0000:00:06.0 is on e1000e again"
        }) {
            assertTrue(progress.contains(step), "missing \"" + step + "\" in:\n" + progress);
        }
        JsonNode r = new ObjectMapper().readTree(String.join("\n", p.stdout()));
        assertTrue(r.get("passed").asBoolean(), r.toPrettyString());
        assertEquals(2, r.get("guests").size());
        for (JsonNode g : r.get("guests")) {
            JsonNode d = g.get("devices").get(0);
            assertTrue(d.get("host").asText().matches("0000:00:0[56]\\.0"), d.toString());
            assertEquals("PCI-MSI", d.get("chip").asText());
            assertTrue(d.get("fired").asInt() >= 1 && d.get("delta").asLong() >= 1, d.toString());
            assertEquals("qemu", g.get("vmm").asText(), g.toString());
            assertEquals("kvm", g.get("accel").asText(), "nested guests run under the lab host's KVM: " + g);
            assertTrue(d.get("managed").asBoolean(), d.toString());
            assertEquals("e1000e", d.get("restoredDriver").asText(), d.toString());
            // Measured: the lab host's own vfio-msix rows move with the guest's. Nested KVM on TCG's AMD-V has no
            // AVIC and the emulated intel IOMMU no posted interrupts, so each MSI-X goes through vfio-pci's handler
            // and KVM's irqfd; a host with posted interrupts would show "guest" here.
            JsonNode h = d.get("hostInterrupts");
            assertEquals("both", h.get("moved").asText(), d.toString());
            assertTrue(h.get("vectors").asInt() >= 1 && h.get("delta").asLong() >= 1, h.toString());
            assertEquals("msix", h.get("kinds").get(0).asText(), h.toString());
        }
        // attach -> workload -> detach in the running lab-detached guest, through the user's commands.
        JsonNode hp = new ObjectMapper()
                .readTree(state.resolve("lab-x86_64").resolve("hotplug.json").toFile());
        assertTrue(hp.get("passed").asBoolean(), hp.toPrettyString());
        assertTrue(
                hp.get("fired").asInt() >= 1 && hp.get("delta").asLong() >= 1,
                "the attached NIC's MSI-X fired in the " + "guest: " + hp);
        assertEquals("both", hp.get("hostInterrupts").get("moved").asText(), hp.toString());
        assertEquals("e1000e", hp.get("driverAfterDetach").asText(), "detach itself gave the NIC back: " + hp);
        System.out.println("lab hotplug cycle: " + hp.get("seconds").asDouble() + " s");
        assertFalse(progress.contains("FAIL"), progress);
        Path folder = state.resolve("lab-x86_64");
        assertTrue(Files.readString(folder.resolve("junit.xml")).contains("failures=\"0\""));
        assertTrue(Files.readString(folder.resolve("bind.txt")).contains("IOMMU group 5 is viable"));
        beforeLaunchVerdictsOnTheLabHostsRealDevices(folder, progress);
        boolean leftover = ProcessHandle.allProcesses().anyMatch(ph -> ph.info()
                .commandLine()
                .map(c -> c.contains(state.toString()) && c.contains("qemu-system"))
                .orElse(false));
        assertFalse(leftover, "the lab host is gone");
    }

    @Test
    void ctrlCStopsTheLabAndLeavesNothingRunning() throws Exception {
        try (VmlaunchProcess p = VmlaunchProcess.start(env(), "lab")) {
            p.awaitOutputLine("binding 0000:00:05.0 to vfio-pci", Duration.ofMinutes(5));
            p.signal("INT");
            assertEquals(1, p.waitFor(Duration.ofMinutes(2)), p.transcript());
            assertTrue(p.stderrText().contains("interrupted: stopping the lab"), p.transcript());
        }
        boolean leftover = ProcessHandle.allProcesses().anyMatch(ph -> ph.info()
                .commandLine()
                .map(c -> c.contains(state.toString()) && c.contains("qemu-system"))
                .orElse(false));
        assertFalse(leftover, "the lab host is gone");
    }

    /**
     * A lab host that stops beating (here paused through its QMP, as the real stall of QEMU's AMD-V emulation looks
     * from outside: no progress, no output) is given up after VMLAUNCH_LAB_STALL_SECONDS with what its QEMU says,
     * its files kept aside, and run once more; a second stall ends the lab with exit 1 and nothing left running.
     */
    @Test
    void aLabHostThatStopsBeatingIsRunOnceMoreThenGivenUp() throws Exception {
        Map<String, String> env = Map.of("VMLAUNCH_STATE", state.toString(), "VMLAUNCH_LAB_STALL_SECONDS", "15");
        try (VmlaunchProcess p = VmlaunchProcess.start(env, "lab")) {
            for (int attempt = 1; attempt <= 2; attempt++) {
                int want = attempt;
                org.awaitility.Awaitility.await("lab host up, attempt " + attempt)
                        .atMost(Duration.ofMinutes(5))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> p.stderr().stream()
                                                .filter(l -> l.contains("lab host up:"))
                                                .count()
                                        >= want
                                || !p.isAlive());
                VmlaunchProcess pause = VmlaunchProcess.run(env, "pause", "vmlaunch-lab");
                assertEquals(0, pause.exitCode(), pause.transcript());
            }
            assertEquals(1, p.waitFor(Duration.ofMinutes(3)), p.transcript());
            String err = p.stderrText();
            assertTrue(err.contains("the lab host stalled: no heartbeat for "), p.transcript());
            assertTrue(err.contains("QEMU says paused; vCPU 0 RIP="), p.transcript());
            assertTrue(err.contains("running the lab once more"), p.transcript());
            assertTrue(err.contains("the lab host stalled again: no heartbeat for "), p.transcript());
        }
        String kept = Files.readString(state.resolve("lab-x86_64.stalled").resolve("stall.txt"));
        assertTrue(kept.startsWith("query-status: paused"), kept);
        assertTrue(kept.contains("CPU#1"), kept);
        assertTrue(Files.isRegularFile(state.resolve("lab-x86_64").resolve("stall.txt")));
        boolean leftover = ProcessHandle.allProcesses().anyMatch(ph -> ph.info()
                .commandLine()
                .map(c -> c.contains(state.toString()) && c.contains("qemu-system"))
                .orElse(false));
        assertFalse(leftover, "the lab host is gone");
    }

    @Test
    void missingImagesAreExplainedWithExit3(@TempDir Path empty) throws Exception {
        VmlaunchProcess p = VmlaunchProcess.run(env(), "lab", "--images", empty.toString());
        assertEquals(3, p.exitCode(), p.transcript());
        assertTrue(
                p.stderrText()
                        .contains("test image missing: " + empty.resolve("x86_64/vmlinux")
                                + " (build it: test-images/build x86_64, or run ./dev demo)"),
                p.transcript());
    }

    /**
     * check --json of a nested guest while its NIC is on vfio-pci, inside the lab host: the real kernel's answers. The
     * lab asks them of the second NIC while the detached guest (which has the first one, bound by its supervisor)
     * boots, so host check sees both on vfio-pci.
     */
    private static void beforeLaunchVerdictsOnTheLabHostsRealDevices(Path folder, String progress) throws Exception {
        assertTrue(progress.contains("while lab-detached boots: the before-launch verdicts of 0000:00:06.0"), progress);
        assertTrue(progress.contains("PASS  reset 0000:00:05.0"), progress);
        assertTrue(progress.contains("PASS  reset 0000:00:06.0"), progress);
        JsonNode check = new ObjectMapper().readTree(Files.readString(folder.resolve("check.json")));
        assertTrue(check.get("ready").asBoolean(), check.toPrettyString());
        java.util.Map<String, JsonNode> byId = new java.util.HashMap<>();
        for (JsonNode v : check.get("verdicts")) {
            assertEquals("0000:00:06.0", v.get("device").asText(), v.toString());
            byId.put(v.get("id").asText(), v);
        }
        // QEMU 7.2's e1000e has no FLR (DevCap FLReset-) but PM NoSoftRst-: the kernel lists pm.
        JsonNode reset = byId.get("reset");
        assertEquals("pass", reset.get("status").asText(), reset.toString());
        assertEquals("resets with pm", reset.get("detail").asText(), reset.toString());
        assertTrue(reset.get("evidence").toString().contains("DevCap FLReset-, PM NoSoftRst-"), reset.toString());
        assertTrue(
                reset.get("evidence").toString().contains("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO"),
                "the kernel's hot-reset answer was asked for through /dev/vfio: " + reset);
        JsonNode ir = byId.get("interrupt-isolation");
        assertEquals("pass", ir.get("status").asText(), ir.toString());
        assertTrue(
                ir.get("evidence").toString().contains("intel-iommu/ecap = ")
                        && ir.get("evidence").toString().contains("(IR, bit 3: 1)"),
                "intel-iommu,intremap=on: " + ir);
        assertTrue(
                byId.get("bars").get("detail").asText().startsWith("BAR 0: 128 KiB 32-bit"),
                byId.get("bars").toString());
        assertEquals("pass", byId.get("boot-framebuffer").get("status").asText());
        assertEquals("pass", byId.get("mmio-window").get("status").asText());
        assertEquals("pass", byId.get("numa").get("status").asText());
    }

    /**
     * The before-launch verdicts of the arm64 lab host's real kernel (SMMUv3, GICv3 ITS) on its emulated e1000e while
     * they are on vfio-pci (the first held by the booting detached guest, the second bound for the check): {@code host check}'s lines and {@code check --json} of a nested guest. Seen in the lab: QEMU
     * 7.2's e1000e resets with pm (no FLR) and has no bus or slot reset, MSIs go through the ITS, one NUMA node.
     */
    private static void aarch64VerdictsOnTheLabHostsRealDevices(Path folder, String progress) throws Exception {
        for (String line : new String[] {
            "PASS  unsafe-interrupts",
            "PASS  memlock",
            "PASS  reset 0000:00:05.0",
            "PASS  bars 0000:00:05.0",
            "PASS  boot-framebuffer 0000:00:05.0",
            "PASS  reset 0000:00:06.0"
        }) {
            assertTrue(progress.contains(line), "missing \"" + line + "\" in:\n" + progress);
        }
        JsonNode check = new ObjectMapper().readTree(Files.readString(folder.resolve("check.json")));
        assertTrue(check.get("ready").asBoolean(), check.toPrettyString());
        Map<String, JsonNode> byId = new java.util.HashMap<>();
        for (JsonNode v : check.get("verdicts")) {
            // The NIC the detached guest does not hold: its verdicts run while that guest boots.
            assertEquals("0000:00:06.0", v.get("device").asText(), v.toString());
            assertEquals("pass", v.get("status").asText(), v.toString());
            byId.put(v.get("id").asText(), v);
        }
        assertEquals(
                java.util.Set.of("reset", "bars", "boot-framebuffer", "mmio-window", "interrupt-isolation", "numa"),
                byId.keySet(),
                check.toPrettyString());
        JsonNode reset = byId.get("reset");
        assertEquals("resets with pm", reset.get("detail").asText(), reset.toString());
        assertTrue(
                reset.get("evidence").toString().contains("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO"),
                "the kernel's hot-reset answer was asked for through /dev/vfio: " + reset);
        JsonNode ir = byId.get("interrupt-isolation");
        assertTrue(ir.get("detail").asText().contains("ITS"), "isolation on Arm is the GICv3 ITS: " + ir);
        assertTrue(
                ir.get("evidence").toString().contains("ITS-MSI rows")
                        && ir.get("evidence").toString().contains("allow_unsafe_interrupts = N"),
                ir.toString());
        assertTrue(
                byId.get("bars").get("detail").asText().startsWith("BAR 0: 128 KiB 32-bit"),
                byId.get("bars").toString());
    }

    /**
     * attach → workload → detach in the running qemu lab-detached guest (virt, GICv3 ITS): the guest's pciehp takes the
     * NIC from the reserved root port, its e1000e driver raises ITS-MSI vectors, and detach gives it back.
     */
    private static void aarch64HotplugCycle(Path folder, String progress) throws Exception {
        for (String step : new String[] {
            "$ vmlaunch attach lab-detached 0000:00:06.0 --managed   (exit 0)",
            "0000:00:05.0,0000:00:06.0(attached)",
            "$ vmlaunch detach lab-detached 0000:00:06.0",
            "after detach: 0000:00:06.0 is on e1000e",
            "after stop: 0000:00:06.0 is on e1000e again"
        }) {
            assertTrue(progress.contains(step), "missing \"" + step + "\" in:\n" + progress);
        }
        JsonNode hp = new ObjectMapper().readTree(folder.resolve("hotplug.json").toFile());
        assertTrue(hp.get("passed").asBoolean(), hp.toPrettyString());
        assertEquals(0, hp.get("attachExit").asInt(), hp.toString());
        assertEquals("ITS-MSI", hp.get("chip").asText(), "the hot-added NIC's MSIs go through the guest's ITS: " + hp);
        assertTrue(hp.get("fired").asInt() >= 1 && hp.get("delta").asLong() >= 1, hp.toString());
        // The guest saw the slot's presence event itself (no rescan): pciehp logs the card and its link coming up.
        String kernel = hp.get("guestKernel").toString();
        assertTrue(
                kernel.contains("pciehp") && (kernel.contains("Card present") || kernel.contains("Link Up")),
                "the guest's pciehp took the hot-added NIC: " + hp);
        // Measured: GICv3 under TCG has no GICv4 direct injection, so each MSI-X goes through the lab host's vfio-pci
        // handler and KVM's irqfd into the guest's ITS.
        assertEquals("both", hp.get("hostInterrupts").get("moved").asText(), hp.toString());
        assertEquals(0, hp.get("detachExit").asInt(), hp.toString());
        assertEquals("e1000e", hp.get("driverAfterDetach").asText(), "detach itself gave the NIC back: " + hp);
        System.out.println("aarch64 lab hotplug cycle: " + hp.get("seconds").asDouble() + " s");
    }
}
