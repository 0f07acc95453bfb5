package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistentSetupTest {
    @TempDir
    Path tmp;

    private String render(FakeSysfs fs, String vendor, String cmdline, String arch, String... bdfs) throws Exception {
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        Files.writeString(proc.resolve("cpuinfo"), "vendor_id\t: " + vendor + "\n");
        Files.writeString(proc.resolve("cmdline"), cmdline + "\n");
        HostRoots roots = new HostRoots(fs.root(), tmp.resolve("dev"), proc);
        BindStateStore store = new BindStateStore(tmp.resolve("state"));
        return new PersistentSetup(roots, store, PciIds.none(), arch)
                .render(List.of(bdfs).stream().map(PciAddress::parse).toList());
    }

    @Test
    void seed003GpuAndAudioGiveTheSeedsLines() throws Exception {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        Path before = fs.root();
        String s = render(fs, "GenuineIntel", "BOOT_IMAGE=/boot/vmlinuz ro quiet", "x86_64", "01:00.0", "01:00.1");
        assertTrue(s.contains("#    intel_iommu=on iommu=pt vfio-pci.ids=10de:13c2,10de:0fbb\n"), s);
        assertTrue(s.contains("sudo update-grub        # or: sudo grub-mkconfig -o /boot/grub/grub.cfg\n"), s);
        assertTrue(
                s.contains("\n# 2. /etc/modprobe.d/vfio.conf\noptions vfio-pci ids=10de:13c2,10de:0fbb\n"
                        + "softdep nvidia pre: vfio-pci\nsoftdep snd_hda_intel pre: vfio-pci\n"),
                s);
        assertTrue(s.contains("vfio\nvfio_iommu_type1\nvfio_pci\nsudo update-initramfs -u\n"), s);
        assertTrue(
                s.contains(
                        "MODULES=(vfio_pci vfio vfio_iommu_type1 ...)\nHOOKS=(... modconf ...)\nsudo mkinitcpio -P\n"),
                s);
        assertTrue(s.contains("lspci -nnk -d 10de:13c2"), s);
        assertFalse(s.contains("# note:"), "the whole group is chosen: " + s);
        assertEquals(
                "nvidia",
                new Sysfs(before).driverOf(PciAddress.parse("01:00.0")).orElseThrow(),
                "nothing changed");
    }

    @Test
    void seed004XilinxOnAmdKeepsExistingFlagsAndNamesTheGroupMatesLeftBehind() throws Exception {
        FakeSysfs fs = SeedHosts.seed004(tmp.resolve("sys"));
        String s = render(
                fs,
                "AuthenticAMD",
                "ro quiet amd_iommu=on vfio-pci.ids=10ee:5000",
                "x86_64",
                "0000:01:00.0",
                "0000:01:00.1");
        assertTrue(s.contains("#    iommu=pt vfio-pci.ids=10ee:5000,10ee:5001\n"), s);
        assertTrue(
                s.contains("# note: 0000:02:00.0 (VGA compatible controller [10de:2489]) shares IOMMU group 1"
                        + " and is not in this list: the group will not be viable while it stays on nvidia"),
                s);
        assertFalse(s.contains("softdep"), "the card is on vfio-pci and no record names its old driver: " + s);
    }

    @Test
    void warnsWhenAnotherDeviceHasTheSameIds() throws Exception {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        fs.device("0000:05:00.0")
                .vendor("10de")
                .device("13c2")
                .cls("030000")
                .driver("nvidia")
                .group(20);
        String s = render(fs, "GenuineIntel", "", "x86_64", "01:00.0", "01:00.1");
        assertTrue(
                s.contains("# warning: 0000:05:00.0 has the same ids 10de:13c2: vfio-pci.ids takes it at boot too"), s);
    }

    @Test
    void aarch64NeedsNoIommuFlag() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        fs.device("0000:08:00.1")
                .vendor("13b5")
                .device("ff80")
                .cls("ff0000")
                .driver("smmute-pci")
                .group(3);
        String s = render(fs, "", "console=ttyAMA0", "aarch64", "08:00.1");
        assertTrue(s.contains("#    vfio-pci.ids=13b5:ff80\n"), s);
        assertTrue(s.contains("softdep smmute_pci pre: vfio-pci"), s);
    }
}
