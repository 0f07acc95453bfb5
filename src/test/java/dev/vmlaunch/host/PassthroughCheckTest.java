package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PassthroughCheckTest {
    @TempDir
    Path tmp;

    private final List<String> proofCalls = new ArrayList<>();

    private List<Problem> check(FakeSysfs fs, Path dev, VfioProof proof, PciIds ids, GuestSpec spec) {
        Sysfs sysfs = new Sysfs(fs.root());
        HostUsage usage = new HostUsage(sysfs, tmp.resolve("proc"), i -> List.of());
        return new PassthroughCheck(sysfs, dev, usage, Optional.ofNullable(proof), ids).check(spec, Profiles.of(spec));
    }

    private static List<String> messages(List<Problem> ps) {
        return ps.stream().map(Problem::format).toList();
    }

    private static PciIds pciIds(Path tmp) throws Exception {
        Path f = tmp.resolve("pci.ids");
        Files.writeString(
                f,
                "10de  NVIDIA Corporation\n\t2489  GA104 [GeForce RTX 3060 Ti Lite Hash Rate]\n"
                        + "\t228b  GA104 High Definition Audio Controller\n10ee  Xilinx Corporation\n"
                        + "C 03  Display controller\n\t00  VGA compatible controller\n");
        return new PciIds(List.of(f));
    }

    @Test
    void seed004NamesTheNvidiaGpuAndAudioThatBlockTheXilinxCard() throws Exception {
        FakeSysfs fs = SeedHosts.seed004(tmp.resolve("sys"));
        GuestSpec spec = Guests.qemu(
                tmp.resolve("g"),
                "",
                "[{\"host\": \"0000:01:00.0\", \"managed\": false}, {\"host\": \"0000:01:00.1\", \"managed\": false}]");
        List<Problem> ps = check(fs, tmp.resolve("dev"), null, pciIds(tmp), spec);
        assertEquals(
                List.of(
                        "error: 0000:02:00.0 (NVIDIA Corporation GA104 [GeForce RTX 3060 Ti Lite Hash Rate]) shares IOMMU group 1"
                                + " with 0000:01:00.0 and is bound to nvidia\n"
                                + "  fix: bind it to vfio-pci too ('vmlaunch bind --group 0000:01:00.0'), or move the card to a"
                                + " slot with its own group",
                        "error: 0000:02:00.1 (NVIDIA Corporation GA104 High Definition Audio Controller) shares IOMMU group 1"
                                + " with 0000:01:00.0 and is bound to snd_hda_intel\n"
                                + "  fix: bind it to vfio-pci too ('vmlaunch bind --group 0000:01:00.0'), or move the card to a"
                                + " slot with its own group"),
                messages(ps),
                "each blocker once, though two devices share the group");
    }

    @Test
    void withoutPciIdsDevicesAreNamedByClassAndIds() {
        FakeSysfs fs = SeedHosts.seed004(tmp.resolve("sys"));
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[{\"host\": \"01:00.0\", \"managed\": false}]");
        List<Problem> ps = check(fs, tmp.resolve("dev"), null, PciIds.none(), spec);
        assertTrue(
                ps.get(0).message().startsWith("0000:02:00.0 (VGA compatible controller [10de:2489]) shares"),
                ps.get(0).message());
    }

    @Test
    void seed003ReadyWhenTheGpuAndAudioAreOnVfioPci() {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), true);
        GuestSpec spec = Guests.qemu(
                tmp.resolve("g"),
                "",
                "[{\"host\": \"01:00.0\", \"managed\": false}, {\"host\": \"01:00.1\", \"managed\": false}]");
        assertEquals(List.of(), check(fs, tmp.resolve("dev"), null, PciIds.none(), spec));
    }

    @Test
    void managedDevicesMayStillBeOnTheirDriverButUnmanagedOnesMayNot() {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        GuestSpec managed = Guests.qemu(tmp.resolve("g1"), "", "[{\"host\": \"01:00.0\"}, {\"host\": \"01:00.1\"}]");
        assertEquals(List.of(), check(fs, tmp.resolve("dev"), null, PciIds.none(), managed));

        GuestSpec unmanaged = Guests.qemu(tmp.resolve("g2"), "", "[{\"host\": \"01:00.0\", \"managed\": false}]");
        List<String> ms = messages(check(fs, tmp.resolve("dev"), null, PciIds.none(), unmanaged));
        assertEquals(2, ms.size(), ms.toString());
        assertTrue(
                ms.get(0)
                        .startsWith("error: 0000:01:00.0 (VGA compatible controller [10de:13c2]) is bound to nvidia,"
                                + " not vfio-pci\n  fix: run 'vmlaunch bind 0000:01:00.0'"),
                ms.get(0));
        assertTrue(ms.get(1).contains("0000:01:00.1 (Audio device [10de:0fbb]) shares IOMMU group 1"), ms.get(1));
    }

    @Test
    void missingDevicesBridgesAndDevicesWithoutGroupAreEachReported() {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), true);
        fs.device("0000:00:05.0").cls("020000").driver("virtio-pci");
        GuestSpec spec = Guests.qemu(
                tmp.resolve("g"),
                "",
                "[{\"host\": \"0000:09:00.0\"}, {\"host\": \"00:01.0\"}, {\"host\": \"00:05.0\"}]");
        List<String> ms = messages(check(fs, tmp.resolve("dev"), null, PciIds.none(), spec));
        assertEquals(3, ms.size(), ms.toString());
        assertTrue(ms.get(0).contains("passthrough device 0000:09:00.0 does not exist on this host"));
        assertTrue(ms.get(1).contains("0000:00:01.0 (PCI bridge [8086:0c01]) is a PCI bridge"));
        assertTrue(ms.get(2).contains("0000:00:05.0 has no IOMMU group: the IOMMU is off"));
    }

    @Test
    void aManagedDeviceTheHostUsesIsAProblem() {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[{\"host\": \"00:02.0\"}]");
        List<String> ms = messages(check(fs, tmp.resolve("dev"), null, PciIds.none(), spec));
        assertEquals(1, ms.size(), ms.toString());
        assertTrue(
                ms.get(0).contains("run would take 0000:00:02.0 from the host, but it is the boot VGA device"),
                ms.get(0));
    }

    @Test
    void minMsiVectorsAgainstConfigSpaceAic100Needs32() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        fs.device("0000:19:00.0")
                .vendor("17cb")
                .device("a100")
                .cls("120000")
                .config(256, 8, 0)
                .driver("vfio-pci")
                .group(4);
        fs.device("0000:1a:00.0")
                .vendor("17cb")
                .device("a100")
                .cls("120000")
                .config(256, 32, 0)
                .driver("vfio-pci")
                .group(5);
        GuestSpec spec = Guests.qemu(
                tmp.resolve("g"),
                "",
                "[{\"host\": \"19:00.0\", \"minMsiVectors\": 32}, {\"host\": \"1a:00.0\", \"minMsiVectors\": 32}]");
        List<Problem> ps = check(fs, tmp.resolve("dev"), null, PciIds.none(), spec);
        assertEquals(1, ps.size(), messages(ps).toString());
        assertEquals(
                "0000:19:00.0 (Processing accelerators [17cb:a100]) offers 8 MSI and 0 MSI-X vectors; the guest"
                        + " needs 32 (minMsiVectors)",
                ps.get(0).message());
    }

    @Test
    void minMsiVectorsIsAWarningWhenConfigSpaceIsUnreadableWithoutRoot() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        fs.device("0000:19:00.0")
                .cls("120000")
                .config(64, 32, 0)
                .driver("vfio-pci")
                .group(4);
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[{\"host\": \"19:00.0\", \"minMsiVectors\": 32}]");
        List<Problem> ps = check(fs, tmp.resolve("dev"), null, PciIds.none(), spec);
        assertEquals(1, ps.size());
        assertEquals(Problem.Severity.WARNING, ps.get(0).severity());
        assertTrue(ps.get(0).message().contains("minMsiVectors 32 not checked"));
    }

    @Test
    void withDevVfioTheKernelsAnswerIsUsedAndItsCountsWin() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        fs.device("0000:08:00.1")
                .vendor("13b5")
                .device("ff80")
                .cls("ff0000")
                .config(256, 1, 0)
                .driver("vfio-pci")
                .group(7);
        Path dev = tmp.resolve("dev");
        Files.createDirectories(dev.resolve("vfio"));
        Files.writeString(dev.resolve("vfio/vfio"), "");
        Files.writeString(dev.resolve("vfio/7"), "");
        VfioProof proof = (g, a) -> {
            proofCalls.add(g + " " + a);
            return VfioProof.Result.answered(true, 1, 8);
        };
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[{\"host\": \"08:00.1\", \"minMsiVectors\": 8}]");
        assertEquals(List.of(), check(fs, dev, proof, PciIds.none(), spec));
        assertEquals(List.of("7 0000:08:00.1"), proofCalls);

        VfioProof refusing = (g, a) -> VfioProof.Result.failed("cannot open /dev/vfio/7: Device or resource busy");
        List<Problem> ps = check(fs, dev, refusing, PciIds.none(), spec);
        assertTrue(
                ps.get(0).message().contains("VFIO check of 0000:08:00.1 in group 7 failed: cannot open /dev/vfio/7"),
                messages(ps).toString());

        VfioProof notViable = (g, a) -> VfioProof.Result.answered(false, 1, 8);
        assertTrue(check(fs, dev, notViable, PciIds.none(), spec)
                .get(0)
                .message()
                .contains("the kernel says IOMMU group 7 is not viable"));
    }

    @Test
    void theKernelsHotResetAnswerReachesTheResetVerdictAndItsWarningIsAProblemWithItsEvidence() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:04:00.0", "gtx1080-bootfb")
                .driver("vfio-pci")
                .group(7);
        Path dev = tmp.resolve("dev");
        Files.createDirectories(dev.resolve("vfio"));
        Files.writeString(dev.resolve("vfio/vfio"), "");
        Files.writeString(dev.resolve("vfio/7"), "");
        PciAddress gpu = PciAddress.parse("0000:04:00.0");
        PciAddress audio = PciAddress.parse("0000:04:00.1");
        VfioProof proof = (g, a) -> VfioProof.Result.answered(true, 1, 0, Optional.of(List.of(gpu, audio)));
        Sysfs sysfs = new Sysfs(fs.root());
        PassthroughCheck c = new PassthroughCheck(
                sysfs,
                dev,
                new HostUsage(sysfs, tmp.resolve("proc"), i -> List.of()),
                Optional.of(proof),
                PciIds.none(),
                Optional.of(new DeviceDiagnosis(sysfs, tmp.resolve("proc"))));
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[{\"host\": \"04:00.0\"}]");
        List<Problem> ps = c.check(spec, Profiles.of(spec));
        Problem reset = ps.stream()
                .filter(p -> p.message().contains("only a secondary bus reset"))
                .findFirst()
                .orElseThrow();
        assertTrue(!reset.isError() && reset.message().contains("(0000:04:00.1)"), reset.message());
        assertTrue(
                reset.message()
                        .contains("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: a bus reset hits 0000:04:00.0, 0000:04:00.1"),
                reset.message());
        assertTrue(
                c.summary(spec).stream().anyMatch(l -> l.startsWith("  WARN reset: ")),
                c.summary(spec).toString());
        assertTrue(
                c.summary(spec).stream().anyMatch(l -> l.startsWith("  PASS bars: BAR 0: 16 MiB 32-bit")),
                c.summary(spec).toString());
    }

    @Test
    void aMissingGroupNodeIsReported() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        fs.device("0000:08:00.1").cls("ff0000").driver("vfio-pci").group(7);
        Path dev = tmp.resolve("dev");
        Files.createDirectories(dev.resolve("vfio"));
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[{\"host\": \"08:00.1\"}]");
        List<Problem> ps = check(fs, dev, null, PciIds.none(), spec);
        assertTrue(ps.get(0).message().contains("is on vfio-pci but " + dev.resolve("vfio/7") + " does not exist"));
    }

    @Test
    void theSummaryListsEachGroupMemberWithItsDriverAndVerdict() {
        FakeSysfs fs = SeedHosts.seed004(tmp.resolve("sys"));
        GuestSpec spec = Guests.qemu(
                tmp.resolve("g"),
                "",
                "[{\"host\": \"01:00.0\", \"managed\": false}, {\"host\": \"01:00.1\", \"managed\": false}]");
        Sysfs sysfs = new Sysfs(fs.root());
        List<String> lines = new PassthroughCheck(
                        sysfs,
                        tmp.resolve("dev"),
                        new HostUsage(sysfs, tmp.resolve("proc"), i -> List.of()),
                        Optional.empty(),
                        PciIds.none())
                .summary(spec);
        assertEquals(
                List.of(
                        "0000:01:00.0 (Processing accelerators [10ee:5000]): on vfio-pci, IOMMU group 1",
                        "  0000:00:01.0 (PCI bridge [8086:1901]) on pcieport: bridge, does not block",
                        "  0000:00:01.1 (PCI bridge [8086:1905]) on pcieport: bridge, does not block",
                        "  0000:01:00.1 (Processing accelerators [10ee:5001]) on vfio-pci: passed through too",
                        "  0000:02:00.0 (VGA compatible controller [10de:2489]) on nvidia: BLOCKS",
                        "  0000:02:00.1 (Audio device [10de:228b]) on snd_hda_intel: BLOCKS"),
                lines.subList(0, 6));
        assertEquals("0000:01:00.1 (Processing accelerators [10ee:5001]): on vfio-pci, IOMMU group 1", lines.get(6));
    }

    @Test
    void noPassthroughNoProblems() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[]");
        assertEquals(List.of(), check(fs, tmp.resolve("dev"), null, PciIds.none(), spec));
    }
}
