package dev.vmlaunch.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The seeds' libvirt setups, exported from guest.json and checked element by element. */
class LibvirtSeedScenariosTest {

    private static LibvirtDomainXml.Result export(String example) {
        return LibvirtDomainXml.export(Guests.load(example));
    }

    @Test
    void seed000Aic100OnQ35HasIntelIommuInDevicesAndSplitIoapicInFeatures() {
        LibvirtDomainXml.Result r = export("seed000-aic100-q35.json");
        DomainXml x = new DomainXml(r.xml());

        assertEquals("kvm", x.text("/domain/@type"));
        assertEquals("aic100-q35", x.text("/domain/name"));
        assertEquals("MiB", x.text("/domain/memory/@unit"));
        assertEquals("16384", x.text("/domain/memory"));
        assertEquals("8", x.text("/domain/vcpu"));
        assertEquals("x86_64", x.text("/domain/os/type/@arch"));
        assertEquals("q35", x.text("/domain/os/type/@machine"));
        assertEquals("hvm", x.text("/domain/os/type"));

        assertEquals(1, x.count("/domain/devices/iommu[@model='intel']"));
        assertEquals("on", x.text("/domain/devices/iommu/driver/@intremap"));
        assertEquals("on", x.text("/domain/devices/iommu/driver/@caching_mode"));
        assertEquals(
                0,
                x.count("/domain/features/iommu"),
                "the AIC100 libvirt guide puts <iommu> in <features>; libvirt's schema does not");
        assertEquals("qemu", x.text("/domain/features/ioapic/@driver"));

        assertEquals(1, x.count("/domain/devices/hostdev"));
        assertEquals("subsystem", x.text("/domain/devices/hostdev/@mode"));
        assertEquals("pci", x.text("/domain/devices/hostdev/@type"));
        assertEquals("yes", x.text("/domain/devices/hostdev/@managed"));
        assertEquals("0x0000", x.text("/domain/devices/hostdev/source/address/@domain"));
        assertEquals("0x00", x.text("/domain/devices/hostdev/source/address/@bus"));
        assertEquals("0x19", x.text("/domain/devices/hostdev/source/address/@slot"));
        assertEquals("0x0", x.text("/domain/devices/hostdev/source/address/@function"));
        assertEquals(0, x.count("/domain/devices/hostdev/address"), "libvirt picks the guest address");

        assertEquals("host-passthrough", x.text("/domain/cpu/@mode"));
        assertEquals("qcow2", x.text("/domain/devices/disk[@device='disk']/driver/@type"));
        assertEquals("user", x.text("/domain/devices/interface/@type"));
        assertEquals(0, x.count("/domain/qemu:commandline | /domain/qemu:override"));
        assertTrue(
                r.warnings().stream().anyMatch(w -> w.contains("minMsiVectors")),
                r.warnings().toString());
    }

    @Test
    void seed003GpuAndAudioHideTheHypervisorAndBootOvmfFromPflash() {
        LibvirtDomainXml.Result r = export("seed003-gtx970-ovmf.json");
        DomainXml x = new DomainXml(r.xml());

        assertEquals("on", x.text("/domain/features/hyperv/vendor_id/@state"));
        assertEquals("randomid", x.text("/domain/features/hyperv/vendor_id/@value"));
        assertEquals("on", x.text("/domain/features/kvm/hidden/@state"));
        assertEquals("host-passthrough", x.text("/domain/cpu/@mode"));

        assertEquals("pflash", x.text("/domain/os/loader/@type"));
        assertEquals("yes", x.text("/domain/os/loader/@readonly"));
        assertEquals("/usr/share/OVMF/OVMF_CODE_4M.fd", x.text("/domain/os/loader"));
        assertEquals("/var/lib/vmlaunch/gtx970/OVMF_VARS_4M.fd", x.text("/domain/os/nvram/@template"));
        assertEquals(List.of("hd", "cdrom"), x.all("/domain/os/boot/@dev"));

        assertEquals("none", x.text("/domain/devices/video/model/@type"));
        assertEquals("sata", x.text("/domain/devices/disk[@device='cdrom']/target/@bus"));
        assertEquals(1, x.count("/domain/devices/disk[@device='cdrom']/readonly"));

        // GPU and its audio function share one guest slot, as on the host.
        assertEquals(2, x.count("/domain/devices/hostdev"));
        String gpu = "/domain/devices/hostdev[source/address/@function='0x0']";
        String audio = "/domain/devices/hostdev[source/address/@function='0x1']";
        assertEquals("0x01", x.text(gpu + "/source/address/@bus"));
        assertEquals("0x01", x.text(audio + "/source/address/@bus"));
        assertEquals("pcie-root-port", x.text("/domain/devices/controller[@type='pci'][@index='1']/@model"));
        assertEquals("0x01", x.text(gpu + "/address/@bus"));
        assertEquals("0x00", x.text(gpu + "/address/@slot"));
        assertEquals("0x0", x.text(gpu + "/address/@function"));
        assertEquals("on", x.text(gpu + "/address/@multifunction"));
        assertEquals("0x01", x.text(audio + "/address/@bus"));
        assertEquals("0x00", x.text(audio + "/address/@slot"));
        assertEquals("0x1", x.text(audio + "/address/@function"));
        assertEquals("", x.text(audio + "/address/@multifunction"));
        assertEquals("/var/lib/vmlaunch/gtx970/GM204.rom", x.text(gpu + "/rom/@file"));

        // x-vga has no libvirt element: it goes through <qemu:override> on the GPU's alias.
        String alias = x.text(gpu + "/alias/@name");
        assertTrue(alias.startsWith("ua-"), alias);
        String prop = "/domain/qemu:override/qemu:device[@alias='" + alias + "']/qemu:frontend/qemu:property";
        assertEquals("x-vga", x.text(prop + "/@name"));
        assertEquals("bool", x.text(prop + "/@type"));
        assertEquals("true", x.text(prop + "/@value"));
        assertEquals(0, x.count(audio + "/alias"));
        assertTrue(
                r.warnings().stream().anyMatch(w -> w.contains("x-vga")),
                r.warnings().toString());
    }

    @Test
    void aarch64VirtWithSmmuv3Gicv3AndNinePShares() {
        LibvirtDomainXml.Result r = export("aarch64-virt-smmuv3-9p.json");
        DomainXml x = new DomainXml(r.xml());

        assertEquals("qemu", x.text("/domain/@type"), "accel tcg");
        assertEquals("aarch64", x.text("/domain/os/type/@arch"));
        assertEquals("virt", x.text("/domain/os/type/@machine"));
        assertEquals("/srv/images/aarch64/vmlinuz", x.text("/domain/os/kernel"));
        assertEquals("/srv/images/aarch64/initrd.img", x.text("/domain/os/initrd"));
        assertEquals("console=ttyAMA0 rdinit=/init quiet", x.text("/domain/os/cmdline"));
        assertEquals("3", x.text("/domain/features/gic/@version"));
        assertEquals(0, x.count("/domain/features/acpi"), "libvirt allows ACPI on aarch64 only with UEFI");
        assertEquals(1, x.count("/domain/devices/iommu[@model='smmuv3']"));
        assertEquals(0, x.count("/domain/devices/iommu/driver"));
        assertEquals("maximum", x.text("/domain/cpu/@mode"));

        assertEquals(
                List.of("squash", "mapped"),
                x.all("/domain/devices/filesystem[@type='mount']/@accessmode"),
                "a read-only share defaults to none (squash), a writable one to mapped-xattr (mapped)");
        assertEquals(List.of("agent", "out"), x.all("/domain/devices/filesystem/target/@dir"));
        assertEquals(List.of("/srv/share/agent", "/srv/share/out"), x.all("/domain/devices/filesystem/source/@dir"));
        assertEquals(1, x.count("/domain/devices/filesystem[target/@dir='agent']/readonly"));
        assertEquals(0, x.count("/domain/devices/filesystem[target/@dir='out']/readonly"));

        assertEquals("e1000e", x.text("/domain/devices/interface[@type='user']/model/@type"));
        assertEquals("no", x.text("/domain/devices/hostdev/@managed"));
        assertEquals("pty", x.text("/domain/devices/serial/@type"));
        assertEquals("serial", x.text("/domain/devices/console/target/@type"));
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void extraArgsGoToQemuCommandlineInOrderWithAWarning() {
        LibvirtDomainXml.Result r = export("extra-args.json");
        DomainXml x = new DomainXml(r.xml());

        assertEquals(
                List.of(
                        "-device",
                        "{\"driver\":\"pci-testdev\",\"id\":\"probe\"}",
                        "-fw_cfg",
                        "name=opt/vmlaunch/note,string=x<y & \"z\"",
                        "-no-reboot"),
                x.all("/domain/qemu:commandline/qemu:arg/@value"));
        assertTrue(r.xml().contains("xmlns:qemu=\"" + LibvirtQemuNamespace.NS + "\""), "namespace declared");
        assertEquals("console=ttyS0 vmlaunch.note=\"a<b & c>d\"", x.text("/domain/os/cmdline"));
        assertEquals("custom", x.text("/domain/cpu/@mode"));
        assertEquals("Skylake-Server", x.text("/domain/cpu/model"));
        assertEquals("virtio", x.text("/domain/devices/console/target/@type"));
        assertEquals(0, x.count("/domain/devices/serial"));
        assertEquals(List.of("vda", "vdb"), x.all("/domain/devices/disk/target/@dev"));
        assertEquals(1, x.count("/domain/devices/disk[target/@dev='vda']/readonly"));
        assertEquals("raw", x.text("/domain/devices/disk[target/@dev='vda']/driver/@type"));
        assertEquals("qcow2", x.text("/domain/devices/disk[target/@dev='vdb']/driver/@type"));
        assertTrue(
                r.warnings().stream().anyMatch(w -> w.startsWith("extraArgs (3)") && w.contains("does not manage")),
                r.warnings().toString());
    }
}
