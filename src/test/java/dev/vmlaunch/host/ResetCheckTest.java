package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResetCheckTest {
    @TempDir
    Path tmp;

    private static final PciAddress GPU = PciAddress.parse("0000:04:00.0");

    private DeviceVerdict reset(FakeSysfs fs, String bdf, Optional<List<PciAddress>> peers) {
        Sysfs sysfs = new Sysfs(fs.root());
        PciAddress a = PciAddress.parse(bdf);
        return ResetCheck.check(sysfs.requireDevice(a), sysfs.requireDeviceDir(a), sysfs.config(a), peers);
    }

    @Test
    void qemusE1000eResetsWithPmAndTheEvidenceSaysWhy() {
        FakeSysfs fs = new FakeSysfs(tmp);
        DeviceSamples.install(fs, "0000:00:05.0", "qemu72-e1000e");
        DeviceVerdict v = reset(fs, "0000:00:05.0", Optional.empty());
        assertEquals(DoctorCheck.Status.PASS, v.status());
        assertEquals("resets with pm", v.detail());
        assertTrue(
                v.evidence().stream().anyMatch(e -> e.endsWith("config: DevCap FLReset-, PM NoSoftRst-")),
                v.evidence().toString());
        assertTrue(
                v.evidence().stream().anyMatch(e -> e.endsWith("reset_method = \"pm\"")),
                v.evidence().toString());
    }

    @Test
    void anAmdGpuWithOnlyABusResetIsTheAmdResetBugClassWithVendorResetAsTheRemedy() {
        FakeSysfs fs = new FakeSysfs(tmp);
        DeviceSamples.install(fs, "0000:04:00.0", "navi10");
        DeviceVerdict v = reset(fs, "0000:04:00.0", Optional.empty());
        assertEquals(DoctorCheck.Status.WARN, v.status());
        assertTrue(v.detail().contains("AMD GPUs often do not come back"), v.detail());
        assertTrue(v.remedy().contains("vendor-reset") && v.remedy().contains("echo device_specific > "), v.remedy());
        assertTrue(v.remedy().contains("\"managed\": false"), v.remedy());
        assertTrue(
                v.evidence().stream().anyMatch(e -> e.endsWith("DevCap FLReset-, PM NoSoftRst+")),
                v.evidence().toString());
    }

    @Test
    void beforeLinux515TheMethodsComeFromTheResetFileAndConfigSpace() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp);
        DeviceSamples.install(fs, "0000:04:00.0", "navi10");
        DeviceSamples.install(fs, "0000:00:05.0", "qemu72-e1000e");
        for (String bdf : List.of("0000:04:00.0", "0000:00:05.0")) {
            Files.delete(fs.dir(bdf).resolve("reset_method"));
            Files.writeString(fs.dir(bdf).resolve("reset"), "");
        }
        // NoSoftRst+ rules out the PM reset, no FLR: only the bus is left.
        DeviceVerdict navi = reset(fs, "0000:04:00.0", Optional.empty());
        assertEquals(DoctorCheck.Status.WARN, navi.status());
        assertTrue(navi.remedy().contains("vendor-reset"));
        assertTrue(
                navi.evidence().stream()
                        .anyMatch(e ->
                                e.contains("reset_method absent (kernel before 5.15)") && e.endsWith("reset present")),
                navi.evidence().toString());
        DeviceVerdict nic = reset(fs, "0000:00:05.0", Optional.empty());
        assertEquals("resets with pm (the kernel's order: pm, bus)", nic.detail());
    }

    @Test
    void noResetFileAndNoResetMethodMeansNoReset() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp);
        DeviceSamples.install(fs, "0000:00:05.0", "qemu72-e1000e");
        Files.delete(fs.dir("0000:00:05.0").resolve("reset_method"));
        DeviceVerdict v = reset(fs, "0000:00:05.0", Optional.empty());
        assertEquals(DoctorCheck.Status.WARN, v.status());
        assertTrue(v.detail().startsWith("no reset the kernel can use"), v.detail());
    }

    @Test
    void anEmptyResetMethodIsNoResetEither() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp);
        DeviceSamples.install(fs, "0000:00:05.0", "qemu72-e1000e");
        Files.writeString(fs.dir("0000:00:05.0").resolve("reset_method"), "\n");
        assertEquals(
                DoctorCheck.Status.WARN,
                reset(fs, "0000:00:05.0", Optional.empty()).status());
    }

    @Test
    void aBusResetNamesTheOtherDevicesTheKernelSaysItHits() {
        FakeSysfs fs = new FakeSysfs(tmp);
        DeviceSamples.install(fs, "0000:04:00.0", "gtx1080-bootfb");
        PciAddress audio = PciAddress.parse("0000:04:00.1");
        DeviceVerdict shared = reset(fs, "0000:04:00.0", Optional.of(List.of(GPU, audio)));
        assertEquals(DoctorCheck.Status.WARN, shared.status());
        assertTrue(shared.detail().contains("(0000:04:00.1)"), shared.detail());
        assertTrue(
                shared.evidence()
                        .contains("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: a bus reset hits 0000:04:00.0, 0000:04:00.1"),
                shared.evidence().toString());
        DeviceVerdict alone = reset(fs, "0000:04:00.0", Optional.of(List.of(GPU)));
        assertEquals(DoctorCheck.Status.PASS, alone.status());
        assertEquals("resets with a bus reset that hits only this device", alone.detail());
    }

    @Test
    void withoutRootTheCapabilityListIsUnreadableAndTheEvidenceSaysSo() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp);
        DeviceSamples.install(fs, "0000:00:05.0", "qemu72-e1000e");
        Path config = fs.dir("0000:00:05.0").resolve("config");
        Files.write(config, java.util.Arrays.copyOf(Files.readAllBytes(config), 64));
        DeviceVerdict v = reset(fs, "0000:00:05.0", Optional.empty());
        assertEquals(DoctorCheck.Status.PASS, v.status());
        assertTrue(
                v.evidence().stream().anyMatch(e -> e.contains("capability list not readable (64 bytes")),
                v.evidence().toString());
    }
}
