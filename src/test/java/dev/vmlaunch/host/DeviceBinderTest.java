package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceBinderTest {
    @TempDir
    Path tmp;

    private FakeSysfs fs;
    private FakeKernel kernel;
    private BindStateStore store;
    private Path proc;
    private Map<String, List<String>> addresses = Map.of();

    private static PciAddress a(String s) {
        return PciAddress.parse(s);
    }

    private DeviceBinder binder(FakeSysfs fs) {
        this.fs = fs;
        this.kernel = new FakeKernel(fs);
        this.store = new BindStateStore(tmp.resolve("state"));
        this.proc = tmp.resolve("proc");
        FakeSysfs.mkdirs(proc.resolve("self"));
        FakeSysfs.write(proc.resolve("self/mountinfo"), "22 27 0:21 / /proc rw,relatime - proc proc rw\n");
        // A host without swap or routes: the header lines alone, as the kernel prints them then.
        FakeSysfs.write(proc.resolve("swaps"), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        FakeSysfs.write(
                proc.resolve("net/route"),
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
        Sysfs sysfs = new Sysfs(fs.root());
        HostUsage usage = new HostUsage(sysfs, proc, i -> addresses.getOrDefault(i, List.of()));
        return new DeviceBinder(
                sysfs, kernel, kernel, store, usage, new VfioHolders(proc, tmp.resolve("dev")), Duration.ZERO);
    }

    private String driver(String bdf) {
        return new Sysfs(fs.root()).driverOf(a(bdf)).orElse(null);
    }

    private String override(String bdf) {
        return fs.read(bdf, "driver_override");
    }

    @Test
    void bindsOneDeviceWithOverrideUnbindProbeAndRecordsTheOriginalDriverFirst() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        BindResult r = b.bind(List.of(a("01:00.0")), false, false, "guest1");

        assertEquals("vfio-pci", driver("0000:01:00.0"));
        assertEquals("snd_hda_intel", driver("0000:01:00.1"), "without --group the audio function stays");
        assertEquals(
                List.of(
                        "modprobe vfio-pci",
                        "override 0000:01:00.0=vfio-pci",
                        "unbind 0000:01:00.0",
                        "probe 0000:01:00.0"),
                kernel.calls);
        assertEquals(List.of(new BindResult.Change(a("01:00.0"), "nvidia", "vfio-pci", true)), r.changes());
        BindRecord rec = store.read(a("01:00.0")).orElseThrow();
        assertEquals("nvidia", rec.originalDriver());
        assertEquals(null, rec.originalOverride());
        assertEquals("guest1", rec.owner());
        assertEquals(ProcessHandle.current().pid(), rec.pid());
    }

    @Test
    void theRecordIsOnDiskBeforeTheFirstWriteToSysfs() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        Path file = store.folder().resolve("0000:01:00.0.json");
        List<String> seen = new java.util.ArrayList<>();
        kernel.spy = call -> seen.add(call + (Files.exists(file) ? " [recorded]" : ""));
        b.bind(List.of(a("01:00.0")), false, false, null);
        assertEquals(
                List.of(
                        "modprobe vfio-pci",
                        "override 0000:01:00.0=vfio-pci [recorded]",
                        "unbind 0000:01:00.0 [recorded]",
                        "probe 0000:01:00.0 [recorded]"),
                seen);
    }

    @Test
    void aFailedFirstWriteIsRolledBackAndTheRecordDeleted() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        kernel.failOn("override", "0000:01:00.0=vfio-pci");
        assertThrows(VmlaunchException.class, () -> b.bind(List.of(a("01:00.0")), false, false, null));
        assertFalse(Files.exists(store.folder().resolve("0000:01:00.0.json")));
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals(
                "override 0000:01:00.0=null", kernel.calls.get(2), "rollback restored the override from the record");
    }

    @Test
    void groupBindTakesEveryNonBridgeMemberAndMakesTheGroupViable() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        BindResult r = b.bind(List.of(a("01:00.0")), true, false, null);
        assertEquals(List.of(a("01:00.0"), a("01:00.1")), r.changed());
        assertEquals("pcieport", driver("0000:00:01.0"), "bridges stay on pcieport");
        assertTrue(Viability.viable(new IommuGroups(new Sysfs(fs.root())).group(1)));
        assertEquals(2, store.all().size());
    }

    @Test
    void aFailureOnTheSecondDeviceRollsBackTheFirst() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        kernel.failOn("probe", "0000:01:00.1");
        VmlaunchException e =
                assertThrows(VmlaunchException.class, () -> b.bind(List.of(a("01:00.0")), true, false, null));
        assertEquals(ExitCodes.FAILURE, e.exitCode());
        assertTrue(
                e.getMessage().contains("binding 0000:01:00.1 to vfio-pci failed: write error (injected)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("rolled back 0000:01:00.1: on snd_hda_intel again"), e.getMessage());
        assertTrue(e.getMessage().contains("rolled back 0000:01:00.0: on nvidia again"), e.getMessage());
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals("snd_hda_intel", driver("0000:01:00.1"));
        assertEquals("(null)", override("0000:01:00.0"));
        assertEquals("(null)", override("0000:01:00.1"));
        assertEquals(List.of(), store.all());
    }

    @Test
    void whenVfioPciRefusesTheDeviceItIsRolledBackToItsDriver() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        kernel.refusingDrivers.add("vfio-pci");
        VmlaunchException e =
                assertThrows(VmlaunchException.class, () -> b.bind(List.of(a("01:00.0")), false, false, null));
        assertTrue(e.getMessage().contains("did not bind it to vfio-pci (driver now: no driver"), e.getMessage());
        assertEquals("nvidia", driver("0000:01:00.0"));
    }

    @Test
    void refusesTheBootVgaDeviceAndChangesNothing() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        VmlaunchException e =
                assertThrows(VmlaunchException.class, () -> b.bind(List.of(a("00:02.0")), false, false, null));
        assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
        assertTrue(e.getMessage().contains("0000:00:02.0 from the host: it is the boot VGA device"), e.getMessage());
        assertEquals(List.of(), kernel.calls);
        assertFalse(Files.exists(store.folder()), "not even the state folder was made");
        assertEquals("i915", driver("0000:00:02.0"));
    }

    @Test
    void forceTakesTheBootVgaDevice() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        b.bind(List.of(a("00:02.0")), false, true, null);
        assertEquals("vfio-pci", driver("0000:00:02.0"));
    }

    @Test
    void listsEveryRefusalAtOnceStorageWithMountsAndANicInUse() {
        FakeSysfs sys = SeedHosts.seed003(tmp.resolve("sys"), false);
        sys.blockDevice("0000:00:1f.2", "sda", "8:0", "sda1", "sda2");
        sys.netInterface("0000:00:19.0", "eno1");
        DeviceBinder b = binder(sys);
        FakeSysfs.write(
                proc.resolve("self/mountinfo"),
                "22 27 0:21 / /proc rw - proc proc rw\n"
                        + "27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
                        + "40 27 8:1 /home /srv/my\\040data rw - ext4 /dev/sda1 rw\n");
        FakeSysfs.write(proc.resolve("swaps"), "Filename Type Size Used Priority\n/dev/sda2 partition 1024 0 -2\n");
        FakeSysfs.write(
                proc.resolve("net/route"),
                "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
                        + "eno1\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n");
        addresses = Map.of("eno1", List.of("192.168.1.20"));

        VmlaunchException e = assertThrows(
                VmlaunchException.class,
                () -> b.bind(List.of(a("00:1f.2"), a("00:19.0"), a("00:02.0")), false, false, null));
        String m = e.getMessage();
        assertTrue(
                m.contains("0000:00:1f.2 from the host: it is a storage controller with mounted filesystems: "
                        + "sda1 on /, sda1 on /srv/my data, sda2 (swap)"),
                m);
        assertTrue(
                m.contains(
                        "0000:00:19.0 from the host: it is a network controller whose interface eno1 carries the default route"),
                m);
        assertTrue(m.contains("interface eno1 has address 192.168.1.20"), m);
        assertTrue(m.contains("0000:00:02.0 from the host: it is the boot VGA device"), m);
        assertEquals(List.of(), kernel.calls);
    }

    @Test
    void storageWithoutMountsAndANicWithoutAddressesAreTaken() {
        FakeSysfs sys = SeedHosts.seed003(tmp.resolve("sys"), false);
        sys.blockDevice("0000:00:1f.2", "sdb", "8:16", "sdb1");
        sys.netInterface("0000:00:19.0", "eno1");
        DeviceBinder b = binder(sys);
        FakeSysfs.write(proc.resolve("self/mountinfo"), "27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n");
        b.bind(List.of(a("00:19.0")), false, false, null);
        assertEquals("vfio-pci", driver("0000:00:19.0"));
        assertEquals("e1000e", store.read(a("00:19.0")).orElseThrow().originalDriver());
    }

    @Test
    void refusesDevicesWithoutIommuGroupAndBridgesAndMissingDevices() {
        FakeSysfs sys = SeedHosts.seed003(tmp.resolve("sys"), false);
        sys.device("0000:00:05.0").cls("020000").driver("virtio-pci");
        DeviceBinder b = binder(sys);
        VmlaunchException e = assertThrows(
                VmlaunchException.class,
                () -> b.bind(List.of(a("00:05.0"), a("00:01.0"), a("0000:42:00.0")), false, true, null));
        assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
        assertTrue(e.getMessage().contains("0000:00:05.0 has no IOMMU group: the IOMMU is off"), e.getMessage());
        assertTrue(e.getMessage().contains("0000:00:01.0 is a PCI bridge"), e.getMessage());
        assertTrue(e.getMessage().contains("no PCI device 0000:42:00.0"), e.getMessage());
        assertEquals(List.of(), kernel.calls);
    }

    @Test
    void aModuleThatCannotLoadIsHostNotReadyWithNothingChanged() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        kernel.failOn("modprobe", "vfio-pci");
        VmlaunchException e =
                assertThrows(VmlaunchException.class, () -> b.bind(List.of(a("01:00.0")), false, false, null));
        assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals(List.of(), store.all());
    }

    @Test
    void devicesAlreadyOnVfioPciAreLeftAloneAndNotRecorded() {
        DeviceBinder b = binder(SeedHosts.seed004(tmp.resolve("sys")));
        BindResult r = b.bind(List.of(a("01:00.0"), a("01:00.1")), false, false, "g");
        assertEquals(List.of(), r.changed());
        assertEquals(List.of(), kernel.calls);
        assertEquals(List.of(), store.all());
    }

    @Test
    void unbindRestoresTheRecordedDriverAndDeletesTheRecord() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        b.bind(List.of(a("01:00.0")), true, false, null);
        kernel.calls.clear();
        RestoreResult r = b.restore(List.of(a("01:00.0"), a("01:00.1")));
        assertTrue(r.ok(), r.failures().toString());
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals("snd_hda_intel", driver("0000:01:00.1"));
        assertEquals("(null)", override("0000:01:00.0"));
        assertEquals(List.of(), store.all());
        assertEquals(
                List.of(
                        "override 0000:01:00.0=null",
                        "unbind 0000:01:00.0",
                        "probe 0000:01:00.0",
                        "override 0000:01:00.1=null",
                        "unbind 0000:01:00.1",
                        "probe 0000:01:00.1"),
                kernel.calls);
    }

    @Test
    void restoresAfterACrashBetweenUnbindAndProbe() throws Exception {
        FakeSysfs sys = SeedHosts.seed003(tmp.resolve("sys"), false);
        DeviceBinder b = binder(sys);
        // What a crash leaves: the record, the override set, no driver.
        store.write(new BindRecord("0000:01:00.0", "nvidia", null, "crashed-guest", 4242, "2024-01-01T00:00:00Z"));
        sys.detach("0000:01:00.0");
        FakeSysfs.write(sys.dir("0000:01:00.0").resolve("driver_override"), "vfio-pci\n");

        RestoreResult r = b.restoreOwnedBy("crashed-guest");
        assertTrue(r.ok(), r.failures().toString());
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals("(null)", override("0000:01:00.0"));
        assertEquals(List.of(), store.all());
    }

    @Test
    void aRetriedBindAfterACrashKeepsTheOriginalRecord() throws Exception {
        FakeSysfs sys = SeedHosts.seed003(tmp.resolve("sys"), false);
        DeviceBinder b = binder(sys);
        store.write(new BindRecord("0000:01:00.0", "nvidia", null, "crashed-guest", 4242, "2024-01-01T00:00:00Z"));
        sys.detach("0000:01:00.0");
        b.bind(List.of(a("01:00.0")), false, false, "again");
        assertEquals("nvidia", store.read(a("01:00.0")).orElseThrow().originalDriver());
    }

    @Test
    void whenProbingPicksAnotherDriverTheRecordedOneIsBoundByName() throws Exception {
        FakeSysfs sys = SeedHosts.seed003(tmp.resolve("sys"), false);
        DeviceBinder b = binder(sys);
        b.bind(List.of(a("01:00.0")), false, false, null);
        sys.nativeDrivers.put("0000:01:00.0", "nouveau");
        sys.driver("nouveau");
        RestoreResult r = b.restore(List.of(a("01:00.0")));
        assertTrue(r.ok(), r.failures().toString());
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertTrue(kernel.calls.contains("bind 0000:01:00.0=nvidia"), kernel.calls.toString());
    }

    @Test
    void aDeviceThatHadNoDriverIsLeftWithoutOne() {
        FakeSysfs sys = SeedHosts.seed003(tmp.resolve("sys"), false);
        sys.device("0000:03:00.0").cls("120000").group(12).nativeDriver("qaic");
        sys.detach("0000:03:00.0");
        DeviceBinder b = binder(sys);
        b.bind(List.of(a("03:00.0")), false, false, null);
        assertEquals("vfio-pci", driver("0000:03:00.0"));
        RestoreResult r = b.restore(List.of(a("03:00.0")));
        assertTrue(r.ok());
        assertEquals(null, driver("0000:03:00.0"));
    }

    @Test
    void aFailedRestoreKeepsTheRecordForARetry() {
        DeviceBinder b = binder(SeedHosts.seed003(tmp.resolve("sys"), false));
        b.bind(List.of(a("01:00.0")), false, false, null);
        kernel.failOn("unbind", "0000:01:00.0");
        RestoreResult r = b.restore(List.of(a("01:00.0")));
        assertFalse(r.ok());
        assertEquals(1, store.all().size());
        assertTrue(b.restore(List.of(a("01:00.0"))).ok());
        assertEquals("nvidia", driver("0000:01:00.0"));
    }

    @Test
    void unbindWithoutARecordReattachesLikeLibvirt() {
        FakeSysfs sys = SeedHosts.seed003(tmp.resolve("sys"), true);
        DeviceBinder b = binder(sys);
        RestoreResult r = b.restore(List.of(a("01:00.0")));
        assertEquals(List.of(new BindResult.Change(a("01:00.0"), "vfio-pci", "nvidia", true)), r.restored());
        assertEquals("nvidia", driver("0000:01:00.0"));
    }
}
