package dev.vmlaunch.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.Accel;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.harness.HarnessLoader;
import dev.vmlaunch.harness.HarnessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lab's guest and harness files load through the same strict loaders a user's files do. */
class LabPlanTest {
    @TempDir
    Path dir;

    GuestSpec load(String json) throws Exception {
        Path f = dir.resolve("g" + System.nanoTime() + ".json");
        Files.writeString(f, json);
        return GuestSpecLoader.load(f, VmmDrivers::rules).spec();
    }

    @Test
    void nestedKvmGuestsGetTheirNicManagedAndALabHostCpuOfTheirOwn() throws Exception {
        GuestSpec g =
                load(LabPlan.nestedGuest("lab-virt2", dir, dir.resolve("share"), "0000:00:05.0", LabPlan.Mode.KVM, 1));
        assertEquals("lab-virt2", g.name());
        assertEquals(Accel.KVM, g.accel());
        assertEquals(dev.vmlaunch.config.CpuList.of(1), g.affinity().process(), g.toString());
        assertEquals(1, g.passthrough().size());
        assertEquals("0000:00:05.0", g.passthrough().get(0).host().toString());
        assertTrue(g.passthrough().get(0).managed(), "the supervisor binds and restores it, as for a user");
        assertEquals(
                dir.resolve("x86_64/vmlinux"), g.boot().kernel(), "qemu boots the PVH ELF: no decompressor to emulate");
    }

    @Test
    void tcgNestedGuestsAreNotPinned() throws Exception {
        GuestSpec g =
                load(LabPlan.nestedGuest("lab-virt2", dir, dir.resolve("share"), "0000:00:06.0", LabPlan.Mode.TCG, 1));
        assertEquals(Accel.TCG, g.accel());
        assertNull(g.affinity().process());
        assertTrue(g.passthrough().get(0).managed());
    }

    @Test
    void theLabHostLoadsKvmOnlyWhenItsNestedGuestsUseIt() throws Exception {
        Path jar = dir.resolve("target/vmlaunch.jar");
        GuestSpec kvm =
                load(LabPlan.labHost(dir, dir.resolve("lab"), Path.of("/usr/bin/java"), jar, LabPlan.Mode.KVM, 2));
        assertEquals(dir.resolve("x86_64/vmlinux"), kvm.boot().kernel());
        assertTrue(
                kvm.boot().cmdline().contains(" vmlaunch.modules=kvm "),
                kvm.boot().cmdline());
        assertTrue(kvm.boot().cmdline().contains(" no_timer_check "), kvm.boot().cmdline());
        assertTrue(
                kvm.boot().cmdline().endsWith("lab-inside /mnt/lab /mnt/images --mode kvm"),
                kvm.boot().cmdline());
        assertTrue(
                kvm.boot()
                        .cmdline()
                        .contains(" -jar "
                                + LabHostJar.of(jar, Path.of(LabPlan.JAR_MOUNT)).path() + " "),
                kvm.boot().cmdline());
        assertEquals(Accel.TCG, kvm.accel());
        assertEquals(2, kvm.cpus());
        assertEquals(2, kvm.devices().size());
        GuestSpec tcg =
                load(LabPlan.labHost(dir, dir.resolve("lab"), Path.of("/usr/bin/java"), jar, LabPlan.Mode.TCG, 3));
        assertFalse(
                tcg.boot().cmdline().contains("vmlaunch.modules"), tcg.boot().cmdline());
        assertTrue(tcg.boot().cmdline().endsWith("--mode tcg"), tcg.boot().cmdline());
        assertEquals(3, tcg.cpus());
    }

    @Test
    void withLkvmTheLabHostSharesTheBinarysFolderAndRunsItsJvmWithAWritableHome() throws Exception {
        Path jar = dir.resolve("target/vmlaunch.jar");
        Path lkvm = dir.resolve("kvmtool/lkvm");
        GuestSpec g = load(LabPlan.labHost(
                LabArch.X86_64,
                dir,
                dir.resolve("lab"),
                Path.of("/"),
                Path.of("/usr/bin/java"),
                jar,
                LabPlan.Mode.KVM,
                2,
                lkvm));
        assertTrue(
                g.boot().cmdline().contains(" vmlaunch.exec=/usr/bin/env -- HOME=/tmp /usr/bin/java -"),
                "kvmtool makes its sockets in $HOME/.lkvm, and the lab host's /root is read-only: "
                        + g.boot().cmdline());
        assertTrue(
                g.boot().cmdline().endsWith("--mode kvm --lkvm /mnt/kvmtool/lkvm"),
                g.boot().cmdline());
        assertTrue(
                g.boot().cmdline().contains(",labkvmtool:/mnt/kvmtool:ro "),
                g.boot().cmdline());
        // What does not change during a run is mounted cached; the lab folder, written by both sides, is not.
        assertTrue(
                g.boot()
                        .cmdline()
                        .contains("vmlaunch.9p=labjar:" + LabPlan.JAR_MOUNT + ":ro,labimg:" + LabPlan.IMAGES_MOUNT
                                + ":ro,lab:" + LabPlan.LAB_MOUNT + ","),
                g.boot().cmdline());
        assertEquals("0x6", g.devices().get(0).props().get("addr"), "slot 5 is the fifth share's");
        assertEquals("0x7", g.devices().get(1).props().get("addr"));
        assertTrue(
                g.shares().stream()
                        .anyMatch(s -> s.tag().equals("labkvmtool")
                                && s.readonly()
                                && s.path().equals(dir.resolve("kvmtool"))),
                g.shares().toString());
    }

    @Test
    void theLkvmDetachedGuestIsAKvmtoolGuestOnItsOwnCpuWithItsNicManagedAndNoVirtioNet() throws Exception {
        GuestSpec g = load(LabPlan.nestedLkvmGuest("lab-detached", dir, "/mnt/kvmtool/lkvm", "0000:00:05.0", 0));
        assertEquals(dev.vmlaunch.config.Vmm.LKVM, g.vmm());
        assertEquals("/mnt/kvmtool/lkvm", g.binary());
        assertEquals(dev.vmlaunch.config.CpuList.of(0), g.affinity().process());
        assertEquals(dev.vmlaunch.config.Network.NONE, g.network());
        assertTrue(g.passthrough().get(0).managed());
        assertEquals("poweroff", g.stop().consoleCommand());
        assertEquals(dir.resolve("x86_64/vmlinuz"), g.boot().kernel(), "kvmtool boots the bzImage");
    }

    @Test
    void pathsWithQuotesAndBackslashesReachTheFilesUnchanged() throws Exception {
        Path odd = dir.resolve("a \"quoted\" \\ folder");
        GuestSpec g = load(LabPlan.nestedGuest(
                LabArch.AARCH64, "lab-virt1", odd, odd.resolve("share"), "0000:00:05.0", LabPlan.Mode.KVM, 0, null));
        assertEquals(odd.resolve("aarch64/Image"), g.boot().kernel());
        assertEquals(odd.resolve("share"), g.shares().get(0).path());
    }

    @Test
    void theHarnessListsTheGuestsAndTheExpectation() throws Exception {
        Path guest = dir.resolve("g.json");
        Files.writeString(
                guest,
                LabPlan.nestedGuest("lab-virt1", dir, dir.resolve("share"), "0000:00:05.0", LabPlan.Mode.KVM, 0));
        Path h = dir.resolve("h.json");
        Files.writeString(h, LabPlan.harness("lab-x86_64", List.of(guest.toString()), "PCI-MSI", List.of(), 900));
        HarnessSpec spec = HarnessLoader.load(h).spec();
        assertEquals("lab-x86_64", spec.name());
        assertEquals(
                List.of("lab-virt1"),
                spec.guests().stream().map(GuestSpec::name).toList());
        assertEquals("PCI-MSI", spec.expect().chip());
        assertEquals(900, spec.bootTimeout().toSeconds());
        assertEquals(LabPlan.WORKLOAD, spec.workload());
    }

    @Test
    void theWorkloadsWaitForTheLinksCarrierInsteadOfAFixedSleep() {
        for (String w : List.of(LabPlan.WORKLOAD, LabPlan.hotplugWorkload("0000:02:00.0"))) {
            assertFalse(w.contains("sleep 2"), w);
            assertTrue(w.contains("/carrier 2>/dev/null)\" != 1 ] && [ $i -lt 100 ]; do sleep 0.1;"), w);
            assertTrue(w.endsWith("ping -c 5 -A -W 3 10.0.2.2"), w);
        }
        assertTrue(LabPlan.WORKLOAD.contains("/sys/class/net/eth0/carrier"), LabPlan.WORKLOAD);
    }

    /** README compares each lab with its bench/ raw flow: a workload that drifted apart would make that comparison wrong. */
    @Test
    void theRawFlowRunsTheLabsWorkloadsWordForWord() throws Exception {
        String raw = Files.readString(Path.of("bench/lab-raw.sh"));
        assertTrue(raw.contains(LabPlan.WORKLOAD), "bench/lab-raw.sh lacks the harness workload " + LabPlan.WORKLOAD);
        String hotplug = LabPlan.hotplugWorkload("0000:02:00.0");
        assertTrue(raw.contains(hotplug), "bench/lab-raw.sh lacks the hotplug workload " + hotplug);
        String arm = Files.readString(Path.of("bench/lab-aarch64-raw.sh"));
        assertTrue(arm.contains(LabPlan.WORKLOAD), "bench/lab-aarch64-raw.sh lacks the harness workload");
    }

    @Test
    void theAarch64LabHostRunsAtEl2WithSmmuv3AndAnItsOverTheArm64Root() throws Exception {
        Path jar = dir.resolve("target/vmlaunch.jar");
        Path root = dir.resolve("cache/lab-root/aarch64/0123456789abcdef/root");
        GuestSpec g = load(LabPlan.labHost(
                LabArch.AARCH64, dir, dir.resolve("lab"), root, Path.of(LabRoot.JAVA), jar, LabPlan.Mode.KVM, 2, null));
        assertEquals(dev.vmlaunch.config.Arch.AARCH64, g.arch());
        assertEquals(dev.vmlaunch.config.Machine.VIRT, g.machine());
        assertEquals(dev.vmlaunch.config.Viommu.SMMUV3, g.viommu());
        assertEquals(dev.vmlaunch.config.IrqChip.GICV3_ITS, g.irqchip());
        assertEquals(List.of("-machine", "virtualization=on"), g.extraArgs(), "EL2, so that the lab host has KVM");
        assertEquals(dir.resolve("aarch64/Image"), g.boot().kernel());
        assertEquals(root, g.shares().get(0).path(), "the arm64 root, not this machine's /");
        assertTrue(g.shares().get(0).readonly());
        assertTrue(
                g.boot().cmdline().contains("vmlaunch.exec=" + LabRoot.JAVA + " -- "),
                g.boot().cmdline());
        assertFalse(
                g.boot().cmdline().contains("intel_iommu") || g.boot().cmdline().contains("kvm_amd"),
                g.boot().cmdline());
        assertTrue(
                g.boot().cmdline().endsWith("lab-inside /mnt/lab /mnt/images --mode kvm"),
                g.boot().cmdline());
        assertEquals(2, g.devices().size());
        assertEquals(
                "0x5", g.devices().get(0).props().get("addr"), "four shares: the NICs stay at 00:05.0 and 00:06.0");
        assertEquals("0x6", g.devices().get(1).props().get("addr"));
    }

    @Test
    void withLkvmTheLabHostSharesTheBinarysFolderAndPassesItsPathInside() throws Exception {
        Path jar = dir.resolve("target/vmlaunch.jar");
        Path lkvm = dir.resolve("kvmtool/lkvm-static");
        GuestSpec g = load(LabPlan.labHost(
                LabArch.AARCH64,
                dir,
                dir.resolve("lab"),
                dir.resolve("root"),
                Path.of(LabRoot.JAVA),
                jar,
                LabPlan.Mode.KVM,
                2,
                lkvm));
        assertTrue(
                g.boot().cmdline().endsWith("--mode kvm --lkvm /mnt/kvmtool/lkvm-static"),
                g.boot().cmdline());
        assertTrue(
                g.boot().cmdline().contains(",labkvmtool:/mnt/kvmtool:ro "),
                g.boot().cmdline());
        GuestSpec.Share share = g.shares().stream()
                .filter(s -> s.tag().equals("labkvmtool"))
                .findFirst()
                .orElseThrow();
        assertEquals(lkvm.getParent(), share.path());
        assertTrue(share.readonly());
        // Five 9p devices take slots 1-5: the NICs must not ask for slot 5 (QEMU: "PCI: slot 5 function 0 not
        // available").
        assertEquals("0x6", g.devices().get(0).props().get("addr"), g.devices().toString());
        assertEquals("0x7", g.devices().get(1).props().get("addr"));
    }

    @Test
    void aarch64NestedQemuGuestsUseTheItsUnderKvm() throws Exception {
        GuestSpec g = load(LabPlan.nestedGuest(
                LabArch.AARCH64, "lab-virt2", dir, dir.resolve("share"), "0000:00:06.0", LabPlan.Mode.KVM, 1, null));
        assertEquals(dev.vmlaunch.config.Vmm.QEMU, g.vmm());
        assertEquals(Accel.KVM, g.accel());
        assertEquals(dev.vmlaunch.config.IrqChip.GICV3_ITS, g.irqchip());
        assertEquals(dev.vmlaunch.config.CpuList.of(1), g.affinity().process());
        assertEquals(dir.resolve("aarch64/Image"), g.boot().kernel());
        assertTrue(g.passthrough().get(0).managed());
    }

    @Test
    void lkvmNestedGuestsAreLikeTheHowTosVirt1() throws Exception {
        GuestSpec g = load(LabPlan.nestedGuest(
                LabArch.AARCH64,
                "lab-virt1",
                dir,
                dir.resolve("share"),
                "0000:00:05.0",
                LabPlan.Mode.KVM,
                0,
                "/mnt/lkvm/lkvm-static"));
        assertEquals(dev.vmlaunch.config.Vmm.LKVM, g.vmm());
        assertEquals("/mnt/lkvm/lkvm-static", g.binary());
        assertEquals(dev.vmlaunch.config.IrqChip.GICV3_ITS, g.irqchip());
        assertEquals(dev.vmlaunch.config.Network.NONE, g.network(), "else kvmtool's virtio-net takes eth0");
        assertEquals(false, g.mte());
        assertEquals(dev.vmlaunch.config.CpuList.of(0), g.affinity().process());
        assertTrue(g.passthrough().get(0).managed());
        List<String> argv = new dev.vmlaunch.vmm.LkvmCommand().argv(g, null);
        assertTrue(String.join(" ", argv).contains("--irqchip gicv3-its"), argv.toString());
        assertTrue(argv.contains("--disable-mte") && argv.contains("mode=none"), argv.toString());
        assertTrue(String.join(" ", argv).contains("--vfio-pci 0000:00:05.0"), argv.toString());
    }

    @Test
    void theAarch64DetachedGuestIsAVirtQemuGuestWithAnEmptyRootPortForAttach() throws Exception {
        GuestSpec g = load(LabPlan.hotplugGuest(
                LabArch.AARCH64,
                "lab-detached",
                dir,
                dir.resolve("share"),
                "0000:00:05.0",
                LabPlan.Mode.KVM,
                0,
                "vmlaunch.agent=hostshare"));
        assertEquals(dev.vmlaunch.config.Vmm.QEMU, g.vmm());
        assertEquals(dev.vmlaunch.config.Machine.VIRT, g.machine());
        assertEquals(dev.vmlaunch.config.IrqChip.GICV3_ITS, g.irqchip(), "pciehp's and the NIC's MSIs go to the ITS");
        assertEquals(1, g.hotplugSlots());
        assertTrue(
                g.boot().cmdline().contains("vmlaunch.agent=hostshare"),
                g.boot().cmdline());
        List<String> argv = new dev.vmlaunch.vmm.QemuCommand()
                .argv(
                        g,
                        new dev.vmlaunch.vmm.RunLayout(
                                dir.resolve("run"), dev.vmlaunch.vmm.RunLayout.ConsoleMode.SOCKET));
        assertTrue(
                argv.contains("pcie-root-port,id=" + dev.vmlaunch.vmm.QemuCommand.hotplugSlot(0) + ",chassis=2"),
                "the passthrough NIC's port is chassis 1, the empty one for attach chassis 2: " + argv);
    }
}
