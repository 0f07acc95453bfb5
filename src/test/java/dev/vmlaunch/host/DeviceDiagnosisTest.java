package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceDiagnosisTest {
    @TempDir
    Path tmp;

    private DeviceDiagnosis diagnosis(FakeSysfs fs) {
        return new DeviceDiagnosis(new Sysfs(fs.root()), tmp.resolve("proc"));
    }

    private static DeviceVerdict only(List<DeviceVerdict> vs, String id) {
        List<DeviceVerdict> m = vs.stream().filter(v -> v.id().equals(id)).toList();
        assertEquals(1, m.size(), vs.toString());
        return m.get(0);
    }

    private GuestSpec lkvmArm64(String bdf) {
        return Guests.load(
                tmp.resolve("g"),
                "{\"name\": \"virt1\", \"vmm\": \"lkvm\", \"arch\": \"aarch64\", "
                        + "\"memory\": 512, \"passthrough\": [{\"host\": \"" + bdf + "\"}]}");
    }

    @Test
    void theBarsOfQemusE1000eAsTheKernelListsThem() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:00:05.0", "qemu72-e1000e");
        DeviceSamples.iomem(tmp.resolve("proc"), "qemu72-q35-host", "iomem");
        List<DeviceVerdict> vs = diagnosis(fs).device(PciAddress.parse("0000:00:05.0"), Optional.empty());
        assertEquals(
                "BAR 0: 128 KiB 32-bit, BAR 1: 128 KiB 32-bit, BAR 2: 32 B I/O, BAR 3: 16 KiB 32-bit, "
                        + "ROM: 256 KiB 32-bit prefetchable",
                only(vs, "bars").detail());
        DeviceVerdict fb = only(vs, "boot-framebuffer");
        assertEquals(DoctorCheck.Status.PASS, fb.status());
    }

    @Test
    void aBootFramebufferInsideBar1FailsWithTheKernelCommandLineFix() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:04:00.0", "gtx1080-bootfb");
        DeviceSamples.iomem(tmp.resolve("proc"), "gtx1080-bootfb", "iomem");
        DeviceVerdict fb =
                only(diagnosis(fs).device(PciAddress.parse("0000:04:00.0"), Optional.empty()), "boot-framebuffer");
        assertEquals(DoctorCheck.Status.FAIL, fb.status());
        assertTrue(
                fb.detail().startsWith("the boot framebuffer \"BOOTFB\" holds its BAR 1 [mem 0xe0000000-0xefffffff]"),
                fb.detail());
        assertTrue(fb.detail().contains("\"BAR 1: can't reserve\""), fb.detail());
        assertTrue(fb.remedy().contains("video=efifb:off") && fb.remedy().contains("initcall_blacklist=sysfb_init"));
        assertTrue(
                fb.evidence().get(0).endsWith("iomem: e0000000-e07e8fff : BOOTFB"),
                fb.evidence().toString());
    }

    @Test
    void withoutRootIomemHidesTheAddressesAndAGpuGetsAWarningNotAGuess() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:04:00.0", "gtx1080-bootfb");
        DeviceSamples.iomem(tmp.resolve("proc"), "gtx1080-bootfb", "iomem.nonroot");
        DeviceVerdict fb =
                only(diagnosis(fs).device(PciAddress.parse("0000:04:00.0"), Optional.empty()), "boot-framebuffer");
        assertEquals(DoctorCheck.Status.WARN, fb.status());
        assertTrue(fb.remedy().contains("as root"));
    }

    @Test
    void aResizableBarShowsItsSizes() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:03:00.0", "rx6800xt-rebar");
        DeviceVerdict bars = only(diagnosis(fs).device(PciAddress.parse("0000:03:00.0"), Optional.empty()), "bars");
        assertTrue(
                bars.detail()
                        .startsWith("BAR 0: 16 GiB 64-bit prefetchable (resizable: 256 MiB to 16 GiB), "
                                + "BAR 2: 256 MiB 64-bit prefetchable"),
                bars.detail());
        assertTrue(bars.evidence().stream().anyMatch(e -> e.endsWith("resource0_resize")));
    }

    @Test
    void a16GiBBarDoesNotFitKvmtoolsArm64WindowAndTheFixShrinksTheResizableBar() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:03:00.0", "rx6800xt-rebar");
        DeviceVerdict w = only(
                diagnosis(fs).guest(lkvmArm64("0000:03:00.0"), Profiles.of(lkvmArm64("0000:03:00.0")), Map.of()),
                "mmio-window");
        assertEquals(DoctorCheck.Status.FAIL, w.status());
        assertTrue(w.detail().contains("kvmtool's aarch64 PCI window of 768 MiB (0x50000000-0x80000000)"), w.detail());
        assertTrue(w.remedy().contains("'echo 8 > resource0_resize' sets 256 MiB"), w.remedy());
        assertTrue(w.remedy().contains("\"vmm\": \"qemu\""));
    }

    @Test
    void navi10sBarsFitKvmtoolsWindowOnlyInSizeAlignedOrder() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:04:00.0", "navi10");
        DeviceVerdict w = only(
                diagnosis(fs).guest(lkvmArm64("0000:04:00.0"), Profiles.of(lkvmArm64("0000:04:00.0")), Map.of()),
                "mmio-window");
        assertEquals(DoctorCheck.Status.PASS, w.status(), w.detail());
        // 256 MiB + 2 MiB + 512 KiB, each aligned to its size from 0x50000000.
        assertTrue(w.detail().contains("(258.5 MiB used"), w.detail());
    }

    @Test
    void threeNavi10BarsOf256MiBStillFitButAFourthDoesNot() {
        assertEquals(
                0x50000000L + 3 * (256L << 20),
                MmioWindow.packedEnd(0x50000000L, List.of(256L << 20, 256L << 20, 256L << 20)));
        // A 512 MiB BAR must start on 512 MiB: 0x60000000, so 512 + 256 MiB ends past 0x80000000.
        assertTrue(MmioWindow.packedEnd(0x50000000L, List.of(512L << 20, 256L << 20)) > 0x80000000L);
    }

    @Test
    void qemuReservesA64BitWindowOnTheRootPortForLargeBarsOnly() {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:03:00.0", "rx6800xt-rebar");
        DeviceSamples.install(fs, "0000:04:00.0", "navi10");
        GuestSpec spec = Guests.qemu(tmp.resolve("q"), "", "[{\"host\": \"03:00.0\"}, {\"host\": \"04:00.0\"}]");
        // 16 GiB + 256 MiB rounds up to 32 GiB; navi10's 258 MiB is below the threshold.
        assertEquals(
                Map.of(PciAddress.parse("0000:03:00.0"), 32L << 30),
                diagnosis(fs).pref64Reserve(spec));
        List<DeviceVerdict> vs = diagnosis(fs).guest(spec, Profiles.of(spec), Map.of());
        DeviceVerdict big = vs.stream()
                .filter(v -> v.id().equals("mmio-window") && v.device().equals(PciAddress.parse("0000:03:00.0")))
                .findFirst()
                .orElseThrow();
        assertTrue(big.detail().endsWith("its root port gets pref64-reserve=32G"), big.detail());
        DeviceVerdict small = vs.stream()
                .filter(v -> v.id().equals("mmio-window") && v.device().equals(PciAddress.parse("0000:04:00.0")))
                .findFirst()
                .orElseThrow();
        assertEquals("qemu maps its BARs (no large 64-bit BAR)", small.detail());
    }
}
