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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor's custody of managed devices, over the seed 003 host (GPU + HDMI audio in one group). */
class HostDeviceCustodyTest {
    @TempDir
    Path tmp;

    FakeSysfs fs;
    FakeKernel kernel;

    HostDeviceCustody custody() {
        fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        kernel = new FakeKernel(fs);
        Path proc = tmp.resolve("proc");
        FakeSysfs.mkdirs(proc.resolve("self"));
        FakeSysfs.write(proc.resolve("self/mountinfo"), "22 27 0:21 / /proc rw,relatime - proc proc rw\n");
        Sysfs sysfs = new Sysfs(fs.root());
        return new HostDeviceCustody(new DeviceBinder(sysfs, kernel, kernel, new BindStateStore(tmp.resolve("state")),
                new HostUsage(sysfs, proc, i -> List.of()), Duration.ZERO));
    }

    GuestSpec guest(String passthrough) throws Exception {
        Path f = tmp.resolve("g.json");
        Files.writeString(f, "{\"name\":\"gpu\",\"vmm\":\"qemu\",\"passthrough\":[" + passthrough + "]}");
        return GuestSpecLoader.fromJson(JsonReader.read(f, "g.json"), f, "g.json", Optional.of(Arch.X86_64)).spec();
    }

    String driver(String bdf) {
        return new Sysfs(fs.root()).driverOf(PciAddress.parse(bdf)).orElse(null);
    }

    @Test
    void managedDevicesGoToVfioPciAndComeBack() throws Exception {
        HostDeviceCustody c = custody();
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
        HostDeviceCustody c = custody();
        assertEquals(List.of(), c.bindForGuest(guest("{\"host\":\"01:00.0\",\"managed\":false}")));
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertTrue(kernel.calls.isEmpty(), kernel.calls.toString());
    }

    @Test
    void aFailedBindLeavesNothingChanged() throws Exception {
        HostDeviceCustody c = custody();
        kernel.failOn("probe", "0000:01:00.1");
        assertThrows(VmlaunchException.class, () -> c.bindForGuest(guest("{\"host\":\"01:00.0\"},{\"host\":\"01:00.1\"}")));
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals("snd_hda_intel", driver("0000:01:00.1"));
    }
}
