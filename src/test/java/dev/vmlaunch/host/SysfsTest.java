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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysfsTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheAttributesOfADeviceLaidOutLikeTheKernel() {
        FakeSysfs fs = SeedHosts.seed003(tmp, false);
        PciDevice gpu = new Sysfs(fs.root()).requireDevice(PciAddress.parse("0000:01:00.0"));
        assertEquals("10de", gpu.vendor());
        assertEquals("13c2", gpu.device());
        assertEquals("0300", gpu.classId());
        assertEquals("nvidia", gpu.driver());
        assertEquals(1, gpu.iommuGroup());
        assertEquals(0, gpu.headerType());
        assertEquals(null, gpu.driverOverride(), "(null) means unset");
        assertFalse(gpu.bootVga());
        assertTrue(
                new Sysfs(fs.root()).requireDevice(PciAddress.parse("00:02.0")).bootVga());
    }

    @Test
    void aMissingDeviceIsHostNotReady() {
        FakeSysfs fs = new FakeSysfs(tmp);
        VmlaunchException e = assertThrows(
                VmlaunchException.class, () -> new Sysfs(fs.root()).requireDevice(PciAddress.parse("0000:09:00.0")));
        assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
        assertTrue(e.getMessage().contains("no PCI device 0000:09:00.0"), e.getMessage());
    }

    @Test
    void aDeviceLinkThatLeavesTheDevicesTreeIsRefused() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp);
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere/0000:05:00.0"));
        FakeSysfs.link(fs.root().resolve("bus/pci/devices/0000:05:00.0"), elsewhere);
        VmlaunchException e = assertThrows(
                VmlaunchException.class, () -> new Sysfs(fs.root()).deviceDir(PciAddress.parse("0000:05:00.0")));
        assertTrue(e.getMessage().contains("refusing"), e.getMessage());
    }

    @Test
    void aDeviceLinkToAnotherDevicesFolderIsRefused() {
        FakeSysfs fs = new FakeSysfs(tmp);
        fs.device("0000:00:03.0");
        FakeSysfs.link(fs.root().resolve("bus/pci/devices/0000:00:04.0"), fs.dir("0000:00:03.0"));
        assertThrows(VmlaunchException.class, () -> new Sysfs(fs.root()).deviceDir(PciAddress.parse("0000:00:04.0")));
    }

    @Test
    void countsAllocatedMsiIrqs() {
        FakeSysfs fs = new FakeSysfs(tmp);
        fs.device("0000:00:03.0").msiIrqs(24, 25, 26);
        assertEquals(3, new Sysfs(fs.root()).allocatedMsiIrqs(PciAddress.parse("00:03.0")));
    }
}
