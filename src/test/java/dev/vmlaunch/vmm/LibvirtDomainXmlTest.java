package dev.vmlaunch.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How each guest.json field maps to the domain XML, and what is refused or warned about. */
class LibvirtDomainXmlTest {

    private static final String X86 = "\"name\": \"g\", \"vmm\": \"qemu\", \"arch\": \"x86_64\"";

    private static LibvirtDomainXml.Result export(String fields) {
        return LibvirtDomainXml.export(Guests.parse("{" + fields + "}"));
    }

    private static DomainXml xml(String fields) {
        return new DomainXml(export(fields).xml());
    }

    private static boolean warned(LibvirtDomainXml.Result r, String part) {
        return r.warnings().stream().anyMatch(w -> w.contains(part));
    }

    @Test
    void defaultsAreKvmQ35HostCpuAndNoBalloon() {
        DomainXml x = xml(X86);
        assertEquals("kvm", x.text("/domain/@type"));
        assertEquals("q35", x.text("/domain/os/type/@machine"));
        assertEquals("512", x.text("/domain/memory"));
        assertEquals("1", x.text("/domain/vcpu"));
        assertEquals("host-passthrough", x.text("/domain/cpu/@mode"));
        assertEquals("none", x.text("/domain/devices/memballoon/@model"));
        assertEquals(1, x.count("/domain/features/acpi"));
        assertEquals(0, x.count("/domain/features/ioapic | /domain/devices/iommu | /domain/devices/interface"));
        assertEquals(0, x.count("/domain/os/loader | /domain/os/kernel | /domain/os/boot | /domain/devices/video"));
        assertTrue(x.text("/domain/description").contains("/guests/guest.json"));
    }

    @Test
    void hotplugSlotsAreSpareRootPortsLibvirtNumbers() {
        DomainXml x = xml(X86 + ", \"hotplugSlots\": 2");
        assertEquals(2, x.count("/domain/devices/controller[@type='pci' and @model='pcie-root-port' and not(@index)]"));
        assertEquals(0, xml(X86).count("/domain/devices/controller[@model='pcie-root-port']"));
    }

    @Test
    void tcgIsDomainTypeQemuWithTheMaximumCpu() {
        DomainXml x = xml(X86 + ", \"accel\": \"tcg\"");
        assertEquals("qemu", x.text("/domain/@type"));
        assertEquals("maximum", x.text("/domain/cpu/@mode"));
    }

    @Test
    void hostCpuUnderTcgIsWarnedAbout() {
        LibvirtDomainXml.Result r = export(X86 + ", \"accel\": \"tcg\", \"cpu\": {\"model\": \"host\"}");
        assertEquals("host-passthrough", new DomainXml(r.xml()).text("/domain/cpu/@mode"));
        assertTrue(warned(r, "host-passthrough with accel tcg"), r.warnings().toString());
    }

    @Test
    void irqchipMapsToIoapicDriverAndGicVersion() {
        assertEquals("qemu", xml(X86 + ", \"irqchip\": \"split\"").text("/domain/features/ioapic/@driver"));
        assertEquals("kvm", xml(X86 + ", \"irqchip\": \"kernel\"").text("/domain/features/ioapic/@driver"));
        String arm = "\"name\": \"g\", \"vmm\": \"qemu\", \"arch\": \"aarch64\", \"irqchip\": ";
        assertEquals("2", xml(arm + "\"gicv2\"").text("/domain/features/gic/@version"));
        assertEquals("2", xml(arm + "\"gicv2m\"").text("/domain/features/gic/@version"));
        assertEquals("3", xml(arm + "\"gicv3-its\"").text("/domain/features/gic/@version"));
        LibvirtDomainXml.Result noIts = export(arm + "\"gicv3\"");
        assertEquals("3", new DomainXml(noIts.xml()).text("/domain/features/gic/@version"));
        assertTrue(
                warned(noIts, "exported as a GICv3 with ITS"), noIts.warnings().toString());
    }

    @Test
    void aarch64DefaultsToGicv3AndVirt() {
        DomainXml x = xml("\"name\": \"g\", \"vmm\": \"qemu\", \"arch\": \"aarch64\"");
        assertEquals("virt", x.text("/domain/os/type/@machine"));
        assertEquals("3", x.text("/domain/features/gic/@version"));
        assertEquals(0, x.count("/domain/features/acpi | /domain/features/apic"));
    }

    @Test
    void virtioIommuIsADeviceWithoutDriverOptions() {
        DomainXml x = xml(X86 + ", \"viommu\": \"virtio\"");
        assertEquals(1, x.count("/domain/devices/iommu[@model='virtio']"));
        assertEquals(0, x.count("/domain/devices/iommu/driver"));
    }

    @Test
    void singleFirmwareImageIsARomLoader() {
        DomainXml x = xml(X86 + ", \"firmware\": \"/fw/bios.bin\"");
        assertEquals("rom", x.text("/domain/os/loader/@type"));
        assertEquals("/fw/bios.bin", x.text("/domain/os/loader"));
        assertEquals("", x.text("/domain/os/loader/@readonly"));
        assertEquals(0, x.count("/domain/os/nvram"));
    }

    @Test
    void aarch64PflashGetsAcpiAndARomImageAWarning() {
        String arm = "\"name\": \"g\", \"vmm\": \"qemu\", \"arch\": \"aarch64\", \"firmware\": ";
        DomainXml uefi = xml(arm + "{\"code\": \"/fw/AAVMF_CODE.fd\", \"vars\": \"/fw/vars.fd\"}");
        assertEquals(1, uefi.count("/domain/features/acpi"));
        assertEquals("/fw/vars.fd", uefi.text("/domain/os/nvram/@template"));
        LibvirtDomainXml.Result rom = export(arm + "\"/fw/QEMU_EFI.fd\"");
        assertEquals(0, new DomainXml(rom.xml()).count("/domain/features/acpi"));
        assertTrue(warned(rom, "device tree"), rom.warnings().toString());
    }

    @Test
    void relativePathsInGuestJsonAreAbsoluteInTheXml() {
        DomainXml x = xml(X86 + ", \"kernel\": \"images/vmlinuz\", \"disks\": [{\"path\": \"d.img\"}]");
        assertEquals("/guests/images/vmlinuz", x.text("/domain/os/kernel"));
        assertEquals("/guests/d.img", x.text("/domain/devices/disk/source/@file"));
        assertEquals(0, x.count("/domain/os/boot"), "a kernel boots directly");
    }

    @Test
    void cdromBusFollowsTheMachine() {
        assertEquals(
                "ide",
                xml(X86 + ", \"machine\": \"pc\", \"cdrom\": \"/i.iso\"")
                        .text("/domain/devices/disk[@device='cdrom']/target/@bus"));
        assertEquals(
                "hdc",
                xml(X86 + ", \"machine\": \"pc\", \"cdrom\": \"/i.iso\"")
                        .text("/domain/devices/disk[@device='cdrom']/target/@dev"));
        DomainXml arm = xml("\"name\": \"g\", \"vmm\": \"qemu\", \"arch\": \"aarch64\", \"cdrom\": \"/i.iso\"");
        assertEquals("scsi", arm.text("/domain/devices/disk[@device='cdrom']/target/@bus"));
        assertEquals("virtio-scsi", arm.text("/domain/devices/controller[@type='scsi']/@model"));
        assertEquals(List.of("cdrom"), arm.all("/domain/os/boot/@dev"));
    }

    @Test
    void consoleNoneHasNoSerialAndNoConsole() {
        DomainXml x = xml(X86 + ", \"console\": \"none\"");
        assertEquals(0, x.count("/domain/devices/serial | /domain/devices/console"));
    }

    @Test
    void vgaTypesMapToVideoModelsAndUnknownOnesAreWarned() {
        assertEquals("vga", xml(X86 + ", \"vga\": \"std\"").text("/domain/devices/video/model/@type"));
        assertEquals("virtio", xml(X86 + ", \"vga\": \"virtio\"").text("/domain/devices/video/model/@type"));
        assertEquals("vmvga", xml(X86 + ", \"vga\": \"vmware\"").text("/domain/devices/video/model/@type"));
        LibvirtDomainXml.Result r = export(X86 + ", \"vga\": \"tcx\"");
        assertEquals(0, new DomainXml(r.xml()).count("/domain/devices/video"));
        assertTrue(warned(r, "vga \"tcx\""), r.warnings().toString());
    }

    @Test
    void binaryIsTheEmulatorOnlyWhenAbsolute() {
        assertEquals(
                "/opt/qemu/bin/qemu-system-x86_64",
                xml(X86 + ", \"binary\": \"/opt/qemu/bin/qemu-system-x86_64\"").text("/domain/devices/emulator"));
        LibvirtDomainXml.Result r = export(X86 + ", \"binary\": \"qemu-system-x86_64\"");
        assertEquals(0, new DomainXml(r.xml()).count("/domain/devices/emulator"));
        assertTrue(warned(r, "not an absolute path"), r.warnings().toString());
    }

    @Test
    void networkUserIsAVirtioUserInterface() {
        DomainXml x = xml(X86 + ", \"network\": \"user\"");
        assertEquals("user", x.text("/domain/devices/interface/@type"));
        assertEquals("virtio", x.text("/domain/devices/interface/model/@type"));
        assertEquals(0, xml(X86 + ", \"network\": \"none\"").count("/domain/devices/interface"));
    }

    @Test
    void nicDeviceWithNetdevBecomesAnInterfaceWithMacAliasAndTypedOverrides() {
        LibvirtDomainXml.Result r = export(X86 + ", \"devices\": [{\"model\": \"e1000\", \"id\": \"lan0\", "
                + "\"netdev\": \"user\", \"props\": {\"mac\": \"52:54:00:12:34:56\", \"mitigation\": false, "
                + "\"x-n\": 4, \"x-s\": \"a,b\", \"addr\": \"0x7\"}}]");
        DomainXml x = new DomainXml(r.xml());
        assertEquals("e1000", x.text("/domain/devices/interface/model/@type"));
        assertEquals("52:54:00:12:34:56", x.text("/domain/devices/interface/mac/@address"));
        assertEquals("ua-lan0", x.text("/domain/devices/interface/alias/@name"));
        String dev = "/domain/qemu:override/qemu:device[@alias='ua-lan0']/qemu:frontend/";
        assertEquals(List.of("mitigation", "x-n", "x-s"), x.all(dev + "qemu:property/@name"));
        assertEquals(List.of("bool", "unsigned", "string"), x.all(dev + "qemu:property/@type"));
        assertEquals(List.of("false", "4", "a,b"), x.all(dev + "qemu:property/@value"));
        assertTrue(warned(r, "\"addr\" is left out"), r.warnings().toString());
        assertEquals(0, x.count("/domain/qemu:commandline"));
    }

    @Test
    void otherDevicesAreJsonDevicesInQemuCommandline() {
        LibvirtDomainXml.Result r = export(X86 + ", \"devices\": [{\"model\": \"e1000e\", \"id\": \"n1\", "
                + "\"props\": {\"romfile\": \"\", \"x-flag\": \"on\", \"vectors\": 5, \"path\": \"/a,b\"}}]");
        DomainXml x = new DomainXml(r.xml());
        assertEquals(
                List.of(
                        "-device",
                        "{\"driver\":\"e1000e\",\"id\":\"n1\",\"romfile\":\"\",\"x-flag\":true,\"vectors\":5,\"path\":\"/a,b\"}"),
                x.all("/domain/qemu:commandline/qemu:arg/@value"));
        assertEquals(0, x.count("/domain/devices/interface"));
        assertTrue(warned(r, "NIC without a netdev"), r.warnings().toString());
    }

    @Test
    void virtioRngIsAnRngDevice() {
        DomainXml x = xml(X86 + ", \"devices\": [{\"model\": \"virtio-rng-pci\"}]");
        assertEquals("virtio", x.text("/domain/devices/rng/@model"));
        assertEquals("/dev/urandom", x.text("/domain/devices/rng/backend[@model='random']"));
    }

    @Test
    void multifunctionOnPcUsesAPciRootSlotAndRenumbersFromZero() {
        LibvirtDomainXml.Result r = export(X86 + ", \"machine\": \"pc\", \"passthrough\": ["
                + "{\"host\": \"05:00.2\", \"multifunction\": true}, {\"host\": \"05:00.3\"},"
                + "{\"host\": \"06:00.0\", \"multifunction\": true}, {\"host\": \"07:00.0\"}]");
        DomainXml x = new DomainXml(r.xml());
        String h = "/domain/devices/hostdev[source/address/@bus='0x%s'][source/address/@function='0x%s']/address/";
        assertEquals("0x00", x.text(String.format(h, "05", "2") + "@bus"));
        assertEquals("0x10", x.text(String.format(h, "05", "2") + "@slot"));
        assertEquals("0x0", x.text(String.format(h, "05", "2") + "@function"));
        assertEquals("on", x.text(String.format(h, "05", "2") + "@multifunction"));
        assertEquals("0x10", x.text(String.format(h, "05", "3") + "@slot"));
        assertEquals("0x1", x.text(String.format(h, "05", "3") + "@function"));
        assertEquals("0x11", x.text(String.format(h, "06", "0") + "@slot"));
        assertEquals(0, x.count(String.format("/domain/devices/hostdev[source/address/@bus='0x07']/address")));
        assertEquals(0, x.count("/domain/devices/controller[@model='pcie-root-port']"));
        assertTrue(warned(r, "renumbered"), r.warnings().toString());
    }

    @Test
    void moreMultifunctionGroupsThanPcHasSlotsForIsAUsageError() {
        StringBuilder pts = new StringBuilder();
        for (int bus = 1; bus <= 17; bus++) {
            pts.append(bus > 1 ? "," : "")
                    .append(String.format("{\"host\": \"%02x:00.0\", \"multifunction\": true}", bus));
        }
        VmlaunchException e = assertThrows(
                VmlaunchException.class, () -> export(X86 + ", \"machine\": \"pc\", \"passthrough\": [" + pts + "]"));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("use q35"), e.getMessage());
        String sixteen = pts.substring(0, pts.lastIndexOf(",{"));
        assertEquals(
                "0x1f",
                new DomainXml(export(X86 + ", \"machine\": \"pc\", \"passthrough\": [" + sixteen + "]")
                                .xml())
                        .text("/domain/devices/hostdev[source/address/@bus='0x10']/address/@slot"));
    }

    @Test
    void romBarOffAndUnmanagedAreCarried() {
        DomainXml x = xml(
                X86 + ", \"passthrough\": [{\"host\": \"0001:0a:1f.7\", \"managed\": false, " + "\"rombar\": false}]");
        assertEquals("no", x.text("/domain/devices/hostdev/@managed"));
        assertEquals("off", x.text("/domain/devices/hostdev/rom/@bar"));
        assertEquals("", x.text("/domain/devices/hostdev/rom/@file"));
        assertEquals("0x0001", x.text("/domain/devices/hostdev/source/address/@domain"));
        assertEquals("0x0a", x.text("/domain/devices/hostdev/source/address/@bus"));
        assertEquals("0x1f", x.text("/domain/devices/hostdev/source/address/@slot"));
        assertEquals("0x7", x.text("/domain/devices/hostdev/source/address/@function"));
    }

    @Test
    void keyvalDeviceInExtraArgsWithoutAddrIsWarnedAbout() {
        LibvirtDomainXml.Result r = export(X86 + ", \"extraArgs\": [\"-device\", \"edu\", \"-device\", "
                + "\"pci-testdev,addr=0x9\", \"-device\", \"{\\\"driver\\\":\\\"edu\\\"}\"]");
        assertEquals(
                1,
                r.warnings().stream().filter(w -> w.contains("keyval -device")).count(),
                r.warnings().toString());
        assertTrue(warned(r, "extraArgs[1] \"edu\""), r.warnings().toString());
    }

    @Test
    void controlCharacterInExtraArgsIsAUsageError() {
        VmlaunchException e = assertThrows(
                VmlaunchException.class, () -> export(X86 + ", \"extraArgs\": [\"-name\", \"a\\u0001b\"]"));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("U+0001"), e.getMessage());
    }

    @Test
    void newlineAndTabInAnArgumentSurviveTheRoundTrip() {
        DomainXml x = xml(X86 + ", \"extraArgs\": [\"-fw_cfg\", \"name=opt/x,string=a\\nb\\tc\\r\"]");
        assertEquals("name=opt/x,string=a\nb\tc\r", x.text("/domain/qemu:commandline/qemu:arg[2]/@value"));
    }

    @Test
    void exportIsDeterministicAndKeepsLibvirtsAttributeOrder() {
        String fields = X86 + ", \"passthrough\": [{\"host\": \"0000:08:00.1\"}]";
        String a = export(fields).xml();
        assertEquals(a, export(fields).xml());
        assertTrue(a.contains("<address domain=\"0x0000\" bus=\"0x08\" slot=\"0x00\" function=\"0x1\"/>"), a);
        assertTrue(a.startsWith("<domain type=\"kvm\">\n  <name>g</name>\n"), a);
        assertTrue(a.endsWith("</domain>\n"), a);
    }

    @Test
    void driveLettersFollowLibvirtsScheme() {
        assertEquals("a", LibvirtDevices.driveLetters(0));
        assertEquals("z", LibvirtDevices.driveLetters(25));
        assertEquals("aa", LibvirtDevices.driveLetters(26));
        assertEquals("ab", LibvirtDevices.driveLetters(27));
        assertEquals("zz", LibvirtDevices.driveLetters(701));
        assertEquals("aaa", LibvirtDevices.driveLetters(702));
    }
}
