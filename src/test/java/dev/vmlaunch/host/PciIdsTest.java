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

class PciIdsTest {
    @TempDir
    Path tmp;

    private PciDevice gpu() {
        return new PciDevice(PciAddress.parse("01:00.0"), "10de", "13c2", 0x030000, "nvidia", 1, 0, false, null);
    }

    @Test
    void readsVendorsDevicesAndClassesAndSkipsSubsystems() throws Exception {
        Path f = tmp.resolve("pci.ids");
        Files.write(
                f,
                ("# comment\n10de  NVIDIA Corporation\n\t13c2  GM204 [GeForce GTX 970]\n"
                                + "\t\t1043 8508  ASUS card\n\t0fbb  GM204 High Definition Audio Controller\n"
                                + "10ee  Xilinx Corporation\nC 03  Display controller\n\t00  VGA compatible controller\n"
                                + "\t\t00  VGA controller\nC 12  Processing accelerators\n\t00  Processing accelerators\n"
                                + "caf\u00e9 bad bytes \u00ff\n")
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        PciIds ids = new PciIds(List.of(tmp.resolve("missing"), f));
        assertEquals(Optional.of("NVIDIA Corporation GM204 [GeForce GTX 970]"), ids.describe(gpu()));
        assertEquals(Optional.of("GM204 High Definition Audio Controller"), ids.device("10de", "0fbb"));
        assertEquals(Optional.empty(), ids.device("1043", "8508"), "subsystem lines are not devices");
        assertEquals("VGA compatible controller", ids.className(0x0300));
        assertEquals("Bridge", ids.className(0x0680), "falls back to the built-in table");
    }

    @Test
    void withoutTheFileNamesComeFromTheBuiltInTable() {
        PciIds ids = PciIds.none();
        assertEquals(Optional.empty(), ids.describe(gpu()));
        assertEquals("PCI bridge", ids.className(0x0604));
        assertEquals("Processing accelerators", ids.className(0x1200));
        assertEquals("Class 4201", ids.className(0x4201));
    }

    @Test
    void theSystemDatabaseWhenInstalledKnowsTheSeedsGpu() {
        PciIds ids = PciIds.system();
        boolean installed = PciIds.DEFAULT_LOCATIONS.stream().anyMatch(Files::isReadable);
        assertEquals(installed, ids.describe(gpu()).isPresent());
        ids.describe(gpu()).ifPresent(n -> assertTrue(n.contains("GTX 970"), n));
    }
}
