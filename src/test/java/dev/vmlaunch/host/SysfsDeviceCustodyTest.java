package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.drivers.VmmDrivers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor's custody of managed devices, over the GTX 970 host of the Chalach/kvm
 * passthrough guide (GPU + HDMI audio in one group). */
class SysfsDeviceCustodyTest {
    @TempDir
    Path tmp;

    FakeSysfs fs;
    FakeKernel kernel;

    SysfsDeviceCustody custody() {
        fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        kernel = new FakeKernel(fs);
        Path proc = tmp.resolve("proc");
        FakeSysfs.mkdirs(proc.resolve("self"));
        FakeSysfs.write(proc.resolve("self/mountinfo"), "22 27 0:21 / /proc rw,relatime - proc proc rw\n");
        Sysfs sysfs = new Sysfs(fs.root());
        return new SysfsDeviceCustody(new DeviceBinder(
                sysfs,
                kernel,
                kernel,
                new BindStateStore(tmp.resolve("state")),
                new HostUsage(sysfs, proc, i -> List.of()),
                new VfioHolders(proc, tmp.resolve("dev")),
                Duration.ZERO));
    }

    GuestSpec guest(String passthrough) throws Exception {
        Path f = tmp.resolve("g.json");
        Files.writeString(f, "{\"name\":\"gpu\",\"vmm\":\"qemu\",\"passthrough\":[" + passthrough + "]}");
        return GuestSpecLoader.fromJson(
                        JsonReader.read(f, "g.json"), f, "g.json", Optional.of(Arch.X86_64), VmmDrivers::rules)
                .spec();
    }

    String driver(String bdf) {
        return new Sysfs(fs.root()).driverOf(PciAddress.parse(bdf)).orElse(null);
    }

    @Test
    void managedDevicesGoToVfioPciAndComeBack() throws Exception {
        SysfsDeviceCustody c = custody();
        List<PciAddress> held = c.bindForGuest(guest("{\"host\":\"01:00.0\"},{\"host\":\"01:00.1\"}"));
        assertEquals(List.of(PciAddress.parse("01:00.0"), PciAddress.parse("01:00.1")), held);
        assertEquals("vfio-pci", driver("0000:01:00.0"));
        assertEquals("vfio-pci", driver("0000:01:00.1"));
        c.restore("gpu", held);
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals("snd_hda_intel", driver("0000:01:00.1"));
        c.restore("gpu", held);
        assertEquals("nvidia", driver("0000:01:00.0"), "a second restore changes nothing");
    }

    @Test
    void unmanagedDevicesAreNotTouched() throws Exception {
        SysfsDeviceCustody c = custody();
        assertEquals(List.of(), c.bindForGuest(guest("{\"host\":\"01:00.0\",\"managed\":false}")));
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertTrue(kernel.calls.isEmpty(), kernel.calls.toString());
    }

    @Test
    void aFailedBindLeavesNothingChanged() throws Exception {
        SysfsDeviceCustody c = custody();
        kernel.failOn("probe", "0000:01:00.1");
        assertThrows(
                VmlaunchException.class, () -> c.bindForGuest(guest("{\"host\":\"01:00.0\"},{\"host\":\"01:00.1\"}")));
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals("snd_hda_intel", driver("0000:01:00.1"));
    }

    /** Stands for the supervisor being SIGKILLed: nothing after it runs, no catch block, no rollback. */
    static final class Killed extends Error {}

    @Test
    void recordsOfASupervisorKilledWhileBindingSayWhatItHeldAndRestoreGivesThemBack() throws Exception {
        SysfsDeviceCustody c = custody();
        kernel.spy = call -> {
            if (call.equals("probe 0000:01:00.1")) {
                throw new Killed();
            }
        };
        assertThrows(Killed.class, () -> c.bindForGuest(guest("{\"host\":\"01:00.0\"},{\"host\":\"01:00.1\"}")));
        kernel.spy = call -> {};
        assertEquals("vfio-pci", driver("0000:01:00.0"));
        assertEquals(null, driver("0000:01:00.1"), "killed between unbind and probe: no driver at all");
        assertEquals(List.of(PciAddress.parse("01:00.0"), PciAddress.parse("01:00.1")), c.heldFor("gpu"));
        assertEquals(List.of(), c.heldFor("other"));

        c.restore("gpu", c.heldFor("gpu"));
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals("snd_hda_intel", driver("0000:01:00.1"));
        assertEquals(List.of(), c.heldFor("gpu"));
    }

    @Test
    void aDeviceWhoseVfioGroupALiveProcessHoldsOpenIsNotTakenFromVfioPci() throws Exception {
        SysfsDeviceCustody c = custody();
        List<PciAddress> held = c.bindForGuest(guest("{\"host\":\"01:00.0\"},{\"host\":\"01:00.1\"}"));
        // /proc/PID/fd/N is a symlink to the open file's path; for a VFIO group that is /dev/vfio/GROUP (seen with
        // ls -l /proc/$(pidof qemu-system-x86_64)/fd on a passthrough host). comm is the name, exe a link.
        Path pid = tmp.resolve("proc/4242");
        FakeSysfs.mkdirs(pid.resolve("fd"));
        Files.createSymbolicLink(pid.resolve("fd/0"), Path.of("/dev/null"));
        Files.createSymbolicLink(pid.resolve("fd/23"), Path.of("/dev/vfio/1"));
        FakeSysfs.write(pid.resolve("comm"), "qemu-system-x86\n");
        Files.createSymbolicLink(pid.resolve("exe"), Path.of("/usr/bin/qemu-system-x86_64"));
        kernel.calls.clear();

        VmlaunchException e = assertThrows(VmlaunchException.class, () -> c.restore("gpu", held));
        assertTrue(
                e.getMessage()
                        .contains("refusing to take 0000:01:00.0 from vfio-pci: /dev/vfio/1 is open in pid 4242"
                                + " (qemu-system-x86, /usr/bin/qemu-system-x86_64); stop that process first"),
                e.getMessage());
        assertEquals(List.of(), kernel.calls, "nothing was written to sysfs");
        assertEquals("vfio-pci", driver("0000:01:00.0"));
        assertEquals(held, c.heldFor("gpu"), "the records stay, to retry");

        Files.delete(pid.resolve("fd/23"));
        c.restore("gpu", held);
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals("snd_hda_intel", driver("0000:01:00.1"));
    }
}
