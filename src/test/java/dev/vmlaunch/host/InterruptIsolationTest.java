package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.GuestSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MSI isolation from the lab host's real files (qemu72-q35-host) and variations of them. */
class InterruptIsolationTest {
    @TempDir
    Path tmp;

    HostRoots roots;
    GuestSpec guest;

    @BeforeEach
    void setUp() throws IOException {
        roots = new HostRoots(tmp.resolve("sys"), tmp.resolve("dev"), tmp.resolve("proc"));
        Files.createDirectories(roots.proc());
        Path dmar = Files.createDirectories(roots.sysfs().resolve("class/iommu/dmar0/intel-iommu"));
        Files.copy(DeviceSamples.sample("qemu72-q35-host").resolve("dmar0-ecap"), dmar.resolve("ecap"));
        guest = Guests.qemu(tmp.resolve("g"), "", "[{\"host\": \"00:05.0\"}]");
    }

    private void interrupts(String sample) throws IOException {
        Files.writeString(roots.proc().resolve("interrupts"), sample);
    }

    private void unsafe(String v) throws IOException {
        Path p = Files.createDirectories(roots.sysfs().resolve("module/vfio_iommu_type1/parameters"));
        Files.writeString(p.resolve("allow_unsafe_interrupts"), v + "\n");
    }

    private DeviceVerdict verdict(boolean arm) {
        List<DeviceVerdict> vs = InterruptIsolation.verdicts(guest, InterruptIsolation.assess(roots, arm), arm);
        assertEquals(1, vs.size());
        return vs.get(0);
    }

    @Test
    void theLabHostRemapsInterruptsAndTheEvidenceShowsTheRowsAndTheEcapBit() throws IOException {
        interrupts(Files.readString(DeviceSamples.sample("qemu72-q35-host").resolve("interrupts-ir-lines")));
        unsafe("N");
        DeviceVerdict v = verdict(false);
        assertEquals(DoctorCheck.Status.PASS, v.status());
        assertTrue(
                v.evidence().contains(roots.proc().resolve("interrupts") + ": 3 remapped (IR-) rows"),
                v.evidence().toString());
        assertTrue(
                v.evidence()
                        .contains(roots.sysfs().resolve("class/iommu/dmar0/intel-iommu/ecap")
                                + " = f00f4a (IR, bit 3: 1)"),
                v.evidence().toString());
    }

    @Test
    void remappingOffPredictsTheEpermOfVfioSetIommuBeforeQemuHitsIt() throws IOException {
        interrupts(" 25:          0          0  PCI-MSI 16384-edge      virtio0-config\n");
        unsafe("N");
        DeviceVerdict v = verdict(false);
        assertEquals(DoctorCheck.Status.FAIL, v.status());
        assertTrue(v.detail().contains("\"failed to set iommu for container: Operation not permitted\""), v.detail());
        assertTrue(v.remedy().startsWith("the IOMMU can remap interrupts but it is off"), v.remedy());
        assertTrue(v.remedy().contains("allow_unsafe_interrupts=1"));
        assertTrue(v.problem().isError());
    }

    @Test
    void allowUnsafeInterruptsTurnsTheFailureIntoAWarning() throws IOException {
        interrupts(" 25:          0          0  PCI-MSI 16384-edge      virtio0-config\n");
        unsafe("Y");
        assertEquals(DoctorCheck.Status.WARN, verdict(false).status());
    }

    @Test
    void anAmdIommuShowsItsFeaturesFile() throws IOException {
        Files.delete(roots.sysfs().resolve("class/iommu/dmar0/intel-iommu/ecap"));
        Path amd = Files.createDirectories(roots.sysfs().resolve("class/iommu/ivhd0/amd-iommu"));
        Files.writeString(amd.resolve("features"), "25bf732fa2295afe:53d\n");
        interrupts(" 0:         44          0  IR-IO-APIC    2-edge      timer\n");
        InterruptIsolation.Assessment a = InterruptIsolation.assess(roots, false);
        assertTrue(a.isolated() && a.hardwareCan());
        assertTrue(
                a.evidence().contains(amd.resolve("features") + " = 25bf732fa2295afe:53d"),
                a.evidence().toString());
    }

    @Test
    void onArmAnItsInTheDeviceTreeIsIsolationEvenBeforeAnyItsMsiRowExists() throws IOException {
        interrupts(" 11:       1234       1234     GICv3  27 Level     arch_timer\n");
        Path its = Files.createDirectories(roots.sysfs().resolve("firmware/devicetree/base/intc@8000000/its@8080000"));
        Files.writeString(its.resolve("compatible"), "arm,gic-v3-its\0");
        assertEquals(DoctorCheck.Status.PASS, verdict(true).status());
        Files.delete(its.resolve("compatible"));
        DeviceVerdict none = verdict(true);
        assertEquals(DoctorCheck.Status.FAIL, none.status());
        assertTrue(none.detail().contains("no GICv3 ITS"));
    }

    @Test
    void unreadableInterruptsPredictNothing() {
        assertFalse(InterruptIsolation.assess(roots, false).known());
        assertEquals(List.of(), InterruptIsolation.verdicts(guest, InterruptIsolation.assess(roots, false), false));
    }
}
