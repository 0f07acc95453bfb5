package dev.vmlaunch.vmm;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpec.Device;
import dev.vmlaunch.config.GuestSpec.Disk;
import dev.vmlaunch.config.GuestSpec.Share;
import dev.vmlaunch.config.Machine;
import dev.vmlaunch.config.Network;
import dev.vmlaunch.config.Viommu;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code <devices>} section: every element in the order libvirt itself writes them. */
final class LibvirtDevices {
    /** qemu NIC device models and the libvirt {@code <model type>} that makes libvirt pick the same device. */
    private static final Map<String, String> NIC_MODELS = Map.of(
            "virtio-net-pci", "virtio",
            "virtio-net", "virtio",
            "e1000", "e1000",
            "e1000e", "e1000e",
            "igb", "igb",
            "rtl8139", "rtl8139",
            "vmxnet3", "vmxnet3",
            "ne2k_pci", "ne2k_pci",
            "pcnet", "pcnet");
    /** qemu -vga types and libvirt's video model for each. */
    private static final Map<String, String> VIDEO_MODELS = Map.of(
            "std", "vga",
            "cirrus", "cirrus",
            "vmware", "vmvga",
            "qxl", "qxl",
            "virtio", "virtio",
            "bochs", "bochs",
            "ramfb", "ramfb",
            "none", "none");

    private final GuestSpec spec;
    private final LibvirtQemuNamespace qemu;
    private final List<String> warnings;

    private final List<XmlElement> disks = new ArrayList<>();
    private final List<XmlElement> controllers = new ArrayList<>();
    private final List<XmlElement> filesystems = new ArrayList<>();
    private final List<XmlElement> interfaces = new ArrayList<>();
    private final List<XmlElement> consoles = new ArrayList<>();
    private final List<XmlElement> videos = new ArrayList<>();
    private final List<XmlElement> hostdevs = new ArrayList<>();
    private final List<XmlElement> rngs = new ArrayList<>();

    LibvirtDevices(GuestSpec spec, LibvirtQemuNamespace qemu, List<String> warnings) {
        this.spec = spec;
        this.qemu = qemu;
        this.warnings = warnings;
    }

    XmlElement build() {
        disks();
        cdrom();
        shares();
        network();
        emulatedDevices();
        console();
        video();
        new LibvirtHostdevs(spec, qemu, warnings).build(controllers, hostdevs);
        // hotplugSlots: spare root ports, numbered by libvirt, for 'virsh attach-device' (libvirt's own hotplug).
        for (int i = 0; i < spec.hotplugSlots(); i++) {
            controllers.add(XmlElement.of("controller").attr("type", "pci").attr("model", "pcie-root-port"));
        }

        XmlElement devices = XmlElement.of("devices");
        emulator(devices);
        disks.forEach(devices::add);
        controllers.forEach(devices::add);
        filesystems.forEach(devices::add);
        interfaces.forEach(devices::add);
        consoles.forEach(devices::add);
        videos.forEach(devices::add);
        hostdevs.forEach(devices::add);
        // vmlaunch's qemu has no balloon, and with VFIO a balloon cannot give memory back anyway.
        devices.add("memballoon").attr("model", "none");
        rngs.forEach(devices::add);
        iommu(devices);
        return devices;
    }

    private void emulator(XmlElement devices) {
        if (spec.binary() == null) {
            return;
        }
        if (Path.of(spec.binary()).isAbsolute()) {
            devices.add("emulator").text(spec.binary());
        } else {
            warnings.add("binary \"" + spec.binary() + "\" is not an absolute path; libvirt needs one, so "
                    + "<emulator> is left out and libvirt picks its own qemu for "
                    + spec.arch().json());
        }
    }

    private void disks() {
        List<Disk> list = spec.storage().disks();
        for (int i = 0; i < list.size(); i++) {
            Disk d = list.get(i);
            XmlElement disk = XmlElement.of("disk").attr("type", "file").attr("device", "disk");
            // libvirt never probes formats; vmlaunch's default (probe, i.e. raw) is said out loud.
            disk.add("driver").attr("name", "qemu").attr("type", d.format() == null ? "raw" : d.format());
            disk.add("source").attr("file", d.path().toString());
            disk.add("target").attr("dev", "vd" + driveLetters(i)).attr("bus", "virtio");
            if (d.readonly()) {
                disk.add("readonly");
            }
            disks.add(disk);
        }
    }

    private void cdrom() {
        if (spec.storage().cdrom() == null) {
            return;
        }
        XmlElement cd = XmlElement.of("disk").attr("type", "file").attr("device", "cdrom");
        cd.add("driver").attr("name", "qemu").attr("type", "raw");
        cd.add("source").attr("file", spec.storage().cdrom().toString());
        if (spec.arch() == Arch.AARCH64) {
            // virt has no IDE or SATA; a virtio-scsi controller carries the CD-ROM.
            cd.add("target").attr("dev", "sda").attr("bus", "scsi");
            controllers.add(XmlElement.of("controller")
                    .attr("type", "scsi")
                    .attr("index", "0")
                    .attr("model", "virtio-scsi"));
        } else if (spec.machine() == Machine.PC) {
            cd.add("target").attr("dev", "hdc").attr("bus", "ide");
        } else {
            cd.add("target").attr("dev", "sda").attr("bus", "sata");
        }
        cd.add("readonly");
        disks.add(cd);
    }

    private void shares() {
        for (Share s : spec.shares()) {
            XmlElement fs = XmlElement.of("filesystem")
                    .attr("type", "mount")
                    .attr("accessmode", accessMode(s))
                    .attr("multidevs", "remap");
            fs.add("source").attr("dir", s.path().toString());
            fs.add("target").attr("dir", s.tag());
            if (s.readonly()) {
                fs.add("readonly");
            }
            filesystems.add(fs);
        }
    }

    /** libvirt's name for the 9p security model; it has no mapped-file, so that one is exported as mapped. */
    private String accessMode(Share s) {
        return switch (s.security()) {
            case PASSTHROUGH -> "passthrough";
            case NONE -> "squash";
            case MAPPED_XATTR -> "mapped";
            case MAPPED_FILE -> {
                warnings.add("share \"" + s.tag() + "\": libvirt has no mapped-file 9p model; exported as "
                        + "accessmode='mapped' (mapped-xattr)");
                yield "mapped";
            }
        };
    }

    private void network() {
        if (spec.network() == Network.USER) {
            XmlElement nic = XmlElement.of("interface").attr("type", "user");
            nic.add("model").attr("type", "virtio");
            interfaces.add(nic);
        }
    }

    private void emulatedDevices() {
        List<Device> list = spec.devices();
        for (int i = 0; i < list.size(); i++) {
            Device d = list.get(i);
            String nicModel = NIC_MODELS.get(d.model());
            if (nicModel != null && d.netdev() == Network.USER) {
                interfaces.add(nic(i, d, nicModel));
            } else if (d.model().equals("virtio-rng-pci")) {
                rngs.add(rng(i, d));
            } else {
                qemu.arg("-device");
                qemu.arg(LibvirtQemuNamespace.deviceJson(d.model(), d.id(), d.props()));
                String why = nicModel != null
                        ? "a NIC without a netdev has no libvirt <interface>"
                        : "libvirt has no element for " + d.model();
                warnings.add("devices[" + i + "] (" + d.model() + "): " + why + "; it is passed as a JSON -device "
                        + "in <qemu:commandline>, which libvirt does not manage; qemu gives it a PCI slot libvirt left "
                        + "free, and property types are guessed from their text");
            }
        }
    }

    private XmlElement nic(int index, Device d, String model) {
        XmlElement nic = XmlElement.of("interface").attr("type", "user");
        Map<String, String> props = new LinkedHashMap<>(d.props());
        String mac = props.remove("mac");
        if (mac != null) {
            nic.add("mac").attr("address", mac);
        }
        nic.add("model").attr("type", model);
        aliasAndOverrides(nic, index, d, props);
        return nic;
    }

    private XmlElement rng(int index, Device d) {
        XmlElement rng = XmlElement.of("rng").attr("model", "virtio");
        rng.add("backend").attr("model", "random").text("/dev/urandom");
        aliasAndOverrides(rng, index, d, new LinkedHashMap<>(d.props()));
        return rng;
    }

    /**
     * A device id becomes a libvirt user alias ({@code ua-ID}, also qemu's id); other properties go through
     * {@code <qemu:override>} on that alias, typed the way qemu reads them. Address properties are libvirt's.
     */
    private void aliasAndOverrides(XmlElement element, int index, Device d, Map<String, String> props) {
        for (String addressProp : List.of("bus", "addr", "multifunction")) {
            if (props.remove(addressProp) != null) {
                warnings.add("devices[" + index + "] (" + d.model() + "): property \"" + addressProp
                        + "\" is left out; libvirt assigns guest PCI addresses itself");
            }
        }
        if (d.id() == null && props.isEmpty()) {
            return;
        }
        String alias = "ua-" + (d.id() != null ? d.id() : "vml-dev" + index);
        element.add("alias").attr("name", alias);
        if (d.id() != null) {
            warnings.add("devices[" + index + "] (" + d.model() + "): id \"" + d.id() + "\" becomes libvirt alias \""
                    + alias + "\" (qemu id " + alias + ", libvirt requires the ua- prefix)");
        }
        if (!props.isEmpty()) {
            props.forEach((k, v) -> qemu.override(alias, k, LibvirtQemuNamespace.Property.inferred(v)));
            warnings.add("devices[" + index + "] (" + d.model() + "): properties " + String.join(", ", props.keySet())
                    + " are set through <qemu:override> on alias " + alias + " (libvirt does not check them)");
        }
    }

    private void console() {
        switch (spec.console()) {
            case SERIAL:
                XmlElement serial = XmlElement.of("serial").attr("type", "pty");
                serial.add("target").attr("port", "0");
                consoles.add(serial);
                XmlElement console = XmlElement.of("console").attr("type", "pty");
                console.add("target").attr("type", "serial").attr("port", "0");
                consoles.add(console);
                break;
            case VIRTIO:
                XmlElement vc = XmlElement.of("console").attr("type", "pty");
                vc.add("target").attr("type", "virtio").attr("port", "0");
                consoles.add(vc);
                break;
            case NONE:
            default:
                break;
        }
    }

    private void video() {
        if (spec.vga() == null) {
            return;
        }
        String model = VIDEO_MODELS.get(spec.vga());
        if (model == null) {
            warnings.add("vga \"" + spec.vga() + "\" has no libvirt video model; no <video> is exported (known: "
                    + String.join(", ", new java.util.TreeSet<>(VIDEO_MODELS.keySet())) + ")");
            return;
        }
        XmlElement video = XmlElement.of("video");
        video.add("model").attr("type", model);
        videos.add(video);
    }

    private void iommu(XmlElement devices) {
        Viommu v = spec.viommu();
        if (v == Viommu.NONE) {
            return;
        }
        XmlElement iommu = devices.add("iommu").attr("model", v.json());
        if (v == Viommu.INTEL) {
            // intremap needs <ioapic driver='qemu'/> (kernel-irqchip=split), set in <features>; caching mode lets
            // an assigned device's DMA mappings be shadowed.
            iommu.add("driver").attr("intremap", "on").attr("caching_mode", "on");
        }
    }

    /** Disk name suffix in libvirt's scheme: a..z, then aa, ab, ... */
    static String driveLetters(int index) {
        StringBuilder sb = new StringBuilder();
        int n = index;
        do {
            sb.insert(0, (char) ('a' + n % 26));
            n = n / 26 - 1;
        } while (n >= 0);
        return sb.toString();
    }
}
