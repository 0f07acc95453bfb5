package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IommuGroupsTest {
    @TempDir
    Path tmp;

    private static List<String> addresses(List<PciDevice> ds) {
        return ds.stream().map(d -> d.address().toString()).toList();
    }

    @Test
    void seed003GroupOneIsViableOnceTheGpuAndItsAudioAreOnVfioPciButTheChipsetGroupIsNot() {
        FakeSysfs fs = SeedHosts.seed003(tmp, true);
        IommuGroups groups = new IommuGroups(new Sysfs(fs.root()));

        List<IommuGroup> all = groups.scan();
        assertEquals(
                List.of(0, 1, 2, 3, 4, 6, 10), all.stream().map(IommuGroup::id).toList());

        IommuGroup one = groups.group(1);
        assertEquals(List.of("0000:00:01.0", "0000:01:00.0", "0000:01:00.1"), addresses(one.devices()));
        assertTrue(one.devices().get(0).isBridge(), "the root port is a bridge");
        assertEquals("pcieport", one.devices().get(0).driver());
        assertTrue(Viability.viable(one));

        IommuGroup chipset = groups.group(10);
        assertFalse(Viability.viable(chipset));
        assertEquals(
                List.of("0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3"),
                addresses(Viability.blockers(chipset, Set.of())),
                "the ISA bridge is not a PCI-to-PCI bridge");
    }

    @Test
    void seed003BeforeBindingTheGpuAndAudioDriversBlockGroupOne() {
        FakeSysfs fs = SeedHosts.seed003(tmp, false);
        IommuGroup one = new IommuGroups(new Sysfs(fs.root())).group(1);
        assertFalse(Viability.viable(one));
        assertEquals(List.of("0000:01:00.0", "0000:01:00.1"), addresses(Viability.blockers(one, Set.of())));
        assertEquals(
                List.of(),
                Viability.blockers(one, Set.of(PciAddress.parse("01:00.0"), PciAddress.parse("01:00.1"))),
                "binding both would make it viable");
    }

    @Test
    void seed004TheXilinxCardIsBlockedByTheNvidiaGpuAndItsAudioFunction() {
        FakeSysfs fs = SeedHosts.seed004(tmp);
        IommuGroups groups = new IommuGroups(new Sysfs(fs.root()));
        IommuGroup g = groups.groupOf(PciAddress.parse("0000:01:00.0")).orElseThrow();
        assertEquals(1, g.id());
        assertEquals(6, g.devices().size());
        assertFalse(Viability.viable(g));
        List<PciDevice> blockers = Viability.blockers(g, Set.of());
        assertEquals(List.of("0000:02:00.0", "0000:02:00.1"), addresses(blockers));
        assertEquals(
                List.of("nvidia", "snd_hda_intel"),
                blockers.stream().map(PciDevice::driver).toList());
    }

    @Test
    void aDeviceWithoutDriverDoesNotBlockAndPciStubDoesNot() {
        FakeSysfs fs = new FakeSysfs(tmp);
        fs.device("0000:03:00.0").cls("020000").group(5);
        fs.device("0000:03:00.1").cls("020000").driver("pci-stub").group(5);
        assertTrue(Viability.viable(new IommuGroups(new Sysfs(fs.root())).group(5)));
    }

    @Test
    void aBridgeIsRecognisedByHeaderTypeWhenItsClassSaysOtherwise() {
        FakeSysfs fs = new FakeSysfs(tmp);
        fs.device("0000:00:1c.0")
                .cls("ff0000")
                .config(64, 1, 0, 0)
                .driver("shpchp")
                .group(7);
        PciDevice d = new Sysfs(fs.root()).requireDevice(PciAddress.parse("00:1c.0"));
        assertEquals(1, d.headerType());
        assertTrue(d.isBridge());
        assertFalse(Viability.blocks(d));
    }

    @Test
    void nonPciMembersWithADriverBlockTheGroup() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp);
        fs.device("0000:00:00.0").cls("ff0000").driver("vfio-pci").group(3);
        Path platform = fs.root().resolve("devices/platform/9050000.smmute");
        FakeSysfs.mkdirs(platform);
        fs.driver("smmute");
        FakeSysfs.link(platform.resolve("driver"), fs.root().resolve("bus/pci/drivers/smmute"));
        FakeSysfs.link(fs.root().resolve("kernel/iommu_groups/3/devices/9050000.smmute"), platform);
        IommuGroup g = new IommuGroups(new Sysfs(fs.root())).group(3);
        assertEquals(List.of(new IommuGroup.OtherMember("9050000.smmute", "smmute")), g.others());
        assertFalse(Viability.viable(g));
    }

    @Test
    void noIommuGroupsWhenTheIommuIsOff() {
        FakeSysfs fs = new FakeSysfs(tmp);
        fs.device("0000:00:03.0").cls("020000").driver("virtio-pci");
        Sysfs sysfs = new Sysfs(fs.root());
        assertEquals(List.of(), new IommuGroups(sysfs).scan());
        assertEquals(null, sysfs.requireDevice(PciAddress.parse("00:03.0")).iommuGroup());
    }
}
