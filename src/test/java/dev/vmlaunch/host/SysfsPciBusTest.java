package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real bus writes to the files Arm's SMMU test engine guide names. In a fake tree nothing reacts, so this pins only where each
 * write lands and that nothing is ever created; the kernel's reaction is tested in the lab guest.
 */
class SysfsPciBusTest {
    @TempDir
    Path tmp;

    private static final PciAddress GPU = PciAddress.parse("0000:01:00.0");

    private static String read(Path p) throws Exception {
        return Files.readString(p);
    }

    @Test
    void eachCallWritesTheFileSeed002Names() throws Exception {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        fs.driver("vfio-pci");
        SysfsPciBus bus = new SysfsPciBus(new Sysfs(fs.root()));
        bus.unbind(GPU);
        assertEquals("0000:01:00.0", read(fs.root().resolve("bus/pci/drivers/nvidia/unbind")));
        bus.setDriverOverride(GPU, "vfio-pci");
        assertEquals(
                "vfio-pci",
                read(fs.dir("0000:01:00.0").resolve("driver_override")).substring(0, 8));
        bus.probe(GPU);
        assertEquals("0000:01:00.0", read(fs.root().resolve("bus/pci/drivers_probe")));
        bus.bind(GPU, "vfio-pci");
        assertEquals("0000:01:00.0", read(fs.root().resolve("bus/pci/drivers/vfio-pci/bind")));
    }

    @Test
    void clearingTheOverrideWritesANewline() throws Exception {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        Files.writeString(fs.dir("0000:01:00.0").resolve("driver_override"), "");
        new SysfsPciBus(new Sysfs(fs.root())).setDriverOverride(GPU, null);
        assertEquals("\n", read(fs.dir("0000:01:00.0").resolve("driver_override")));
    }

    @Test
    void neverCreatesAFileThatTheKernelDidNotProvide() {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        SysfsPciBus bus = new SysfsPciBus(new Sysfs(fs.root()));
        assertThrows(NoSuchFileException.class, () -> bus.bind(GPU, "vfio-pci"));
        assertFalse(Files.exists(fs.root().resolve("bus/pci/drivers/vfio-pci/bind")));
        assertThrows(IllegalArgumentException.class, () -> bus.bind(GPU, "../nvidia"));
    }

    @Test
    void unbindWithoutADriverDoesNothing() throws Exception {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        fs.detach("0000:01:00.0");
        new SysfsPciBus(new Sysfs(fs.root())).unbind(GPU);
        assertEquals("", read(fs.root().resolve("bus/pci/drivers/nvidia/unbind")));
    }
}
