package dev.vmlaunch.vmm;

import dev.vmlaunch.config.Accel;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.Console;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpec.Passthrough;
import dev.vmlaunch.config.IrqChip;
import dev.vmlaunch.config.Machine;
import dev.vmlaunch.config.Network;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.config.Viommu;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * qemu-system-x86_64 (q35, pc) and qemu-system-aarch64 (virt). Starts from {@code -nodefaults} so that every
 * device the guest sees is on this command line. Our own ids start with {@code vml-}; the loader keeps users'
 * ids out of that space.
 */
public final class QemuCommand implements VmmCommand {
    private final RootPortReserve reserve;

    public QemuCommand() {
        this(RootPortReserve.NONE);
    }

    public QemuCommand(RootPortReserve reserve) {
        this.reserve = reserve;
    }

    /** The executable when guest.json names none: {@code qemu-system-<arch>}. */
    public static String defaultBinary(Arch arch) {
        return "qemu-system-" + arch.json();
    }

    @Override
    public List<String> argv(GuestSpec s, RunLayout layout) {
        List<String> a = new ArrayList<>();
        a.add(s.binaryOr(defaultBinary(s.arch())));
        add(a, "-name", s.name());
        a.add("-no-user-config");
        a.add("-nodefaults");
        add(a, "-machine", machine(s));
        add(a, "-accel", s.accel().json());
        add(a, "-cpu", cpu(s));
        add(a, "-smp", Integer.toString(s.cpus()));
        add(a, "-m", s.memoryMiB() + "M");
        if (s.affinity().any()) {
            // Paused until vmlaunch has pinned every thread (cpuAffinity, vcpuPin); it then sends QMP cont.
            a.add("-S");
        }
        // The vIOMMU must exist before the devices it translates, so it comes first.
        if (s.viommu() == Viommu.INTEL) {
            add(a, "-device", "intel-iommu,intremap=on,caching-mode=on");
        } else if (s.viommu() == Viommu.VIRTIO) {
            add(a, "-device", "virtio-iommu-pci");
        }
        display(s, a);
        firmware(s, a);
        kernel(s, a);
        console(s, layout, a);
        qmp(a, "vml-qmp", layout.qmpSocket().toString());
        qmp(a, "vml-qmp-cli", layout.qmpCliSocket().toString());
        disks(s, a);
        shares(s, a);
        network(s, a);
        devices(s, a);
        int ports = passthrough(s, a);
        hotplugSlots(s, ports, a);
        a.addAll(s.extraArgs());
        return a;
    }

    private static String machine(GuestSpec s) {
        QemuOpts m = QemuOpts.of(s.machine().json());
        if (s.arch() == Arch.X86_64) {
            if (s.irqchip() == IrqChip.SPLIT) {
                m.add("kernel-irqchip", "split");
            }
        } else {
            IrqChip chip = s.irqchip() == null ? IrqChip.GICV3_ITS : s.irqchip();
            switch (chip) {
                case GICV3_ITS -> m.add("gic-version", "3").add("its", "on");
                case GICV3 -> m.add("gic-version", "3").add("its", "off");
                default -> {
                    // gicv2m is how virt gives GICv2 guests MSIs; it comes with gic-version=2.
                    m.add("gic-version", "2");
                }
            }
            if (s.viommu() == Viommu.SMMUV3) {
                m.add("iommu", "smmuv3");
            }
        }
        return m.toString();
    }

    private static String cpu(GuestSpec s) {
        String model = s.cpu().model() != null ? s.cpu().model() : s.accel() == Accel.KVM ? "host" : "max";
        QemuOpts c = QemuOpts.of(model);
        if (s.cpu().hideHypervisor()) {
            c.add("kvm", "off");
        }
        if (s.cpu().hypervVendorId() != null) {
            c.add("hv-vendor-id", s.cpu().hypervVendorId());
        }
        return c.toString();
    }

    private static void display(GuestSpec s, List<String> a) {
        if (s.vga() == null || s.vga().equals("none")) {
            add(a, "-vga", "none");
            a.add("-nographic");
        } else {
            add(a, "-vga", s.vga());
        }
    }

    private static void firmware(GuestSpec s, List<String> a) {
        if (s.boot().firmware() == null) {
            return;
        }
        if (!s.boot().firmware().pflash()) {
            add(a, "-bios", s.boot().firmware().code().toString());
            return;
        }
        add(
                a,
                "-drive",
                QemuOpts.of("if=pflash")
                        .add("format", "raw")
                        .add("unit", 0)
                        .on("readonly")
                        .add("file", s.boot().firmware().code())
                        .toString());
        add(
                a,
                "-drive",
                QemuOpts.of("if=pflash")
                        .add("format", "raw")
                        .add("unit", 1)
                        .add("file", s.boot().firmware().vars())
                        .toString());
    }

    private static void kernel(GuestSpec s, List<String> a) {
        if (s.boot().kernel() == null) {
            return;
        }
        add(a, "-kernel", s.boot().kernel().toString());
        if (s.boot().initrd() != null) {
            add(a, "-initrd", s.boot().initrd().toString());
        }
        String cmdline = s.boot().cmdline() == null ? "" : s.boot().cmdline().trim();
        String console = consoleDevice(s);
        // A kernel without console= prints nowhere we can see; add ours unless the user chose one.
        if (console != null && !hasConsoleArg(cmdline)) {
            cmdline = cmdline.isEmpty() ? "console=" + console : "console=" + console + " " + cmdline;
        }
        if (!cmdline.isEmpty()) {
            add(a, "-append", cmdline);
        }
    }

    static boolean hasConsoleArg(String cmdline) {
        for (String w : cmdline.split("\\s+")) {
            if (w.startsWith("console=")) {
                return true;
            }
        }
        return false;
    }

    /** The guest-side device name of the console, for {@code console=}. */
    static String consoleDevice(GuestSpec s) {
        if (s.console() == Console.NONE) {
            return null;
        }
        if (s.console() == Console.VIRTIO) {
            return "hvc0";
        }
        return s.arch() == Arch.AARCH64 ? "ttyAMA0" : "ttyS0";
    }

    private static void console(GuestSpec s, RunLayout layout, List<String> a) {
        if (s.console() == Console.NONE) {
            return;
        }
        QemuOpts chardev = layout.consoleMode() == RunLayout.ConsoleMode.STDIO
                ? QemuOpts.of("stdio").add("id", "vml-console")
                : QemuOpts.of("socket")
                        .add("id", "vml-console")
                        .add("path", layout.consoleSocket())
                        .on("server")
                        .add("wait", "off");
        // Appending (O_APPEND), so that the supervisor's copy-and-truncate rotation of console.log (LogRotation)
        // makes QEMU write at the new end rather than at its old offset into a hole.
        chardev.add("logfile", layout.consoleLog()).on("logappend");
        add(a, "-chardev", chardev.toString());
        if (s.console() == Console.SERIAL) {
            add(a, "-serial", "chardev:vml-console");
        } else {
            add(a, "-device", "virtio-serial-pci,id=vml-vser");
            add(a, "-device", "virtconsole,chardev=vml-console");
        }
    }

    private static void qmp(List<String> a, String id, String path) {
        add(
                a,
                "-chardev",
                QemuOpts.of("socket")
                        .add("id", id)
                        .add("path", path)
                        .on("server")
                        .add("wait", "off")
                        .toString());
        add(a, "-mon", "chardev=" + id + ",mode=control");
    }

    private static void disks(GuestSpec s, List<String> a) {
        for (int i = 0; i < s.storage().disks().size(); i++) {
            GuestSpec.Disk d = s.storage().disks().get(i);
            String id = "vml-disk" + i;
            String format =
                    d.format() != null ? d.format() : d.path().toString().endsWith(".qcow2") ? "qcow2" : "raw";
            QemuOpts drive = QemuOpts.of("file=" + QemuOpts.escape(d.path().toString()))
                    .add("if", "none")
                    .add("id", id)
                    .add("format", format);
            if (d.readonly()) {
                drive.on("readonly");
            }
            add(a, "-drive", drive.toString());
            add(a, "-device", "virtio-blk-pci,drive=" + id);
        }
        if (s.storage().cdrom() != null) {
            add(
                    a,
                    "-drive",
                    QemuOpts.of("file=" + QemuOpts.escape(s.storage().cdrom().toString()))
                            .add("if", "none")
                            .add("id", "vml-cd0")
                            .add("media", "cdrom")
                            .on("readonly")
                            .toString());
            if (s.arch() == Arch.X86_64) {
                add(a, "-device", "ide-cd,drive=vml-cd0");
            } else {
                add(a, "-device", "virtio-scsi-pci,id=vml-scsi0");
                add(a, "-device", "scsi-cd,drive=vml-cd0,bus=vml-scsi0.0");
            }
        }
    }

    private static void shares(GuestSpec s, List<String> a) {
        for (int i = 0; i < s.shares().size(); i++) {
            GuestSpec.Share sh = s.shares().get(i);
            String id = "vml-fs" + i;
            QemuOpts fs = QemuOpts.of("local")
                    .add("id", id)
                    .add("path", sh.path())
                    .add("security_model", sh.security().json());
            if (sh.readonly()) {
                fs.on("readonly");
            }
            // One host folder can span several filesystems (a whole root does); remap keeps inode numbers unique.
            fs.add("multidevs", "remap");
            add(a, "-fsdev", fs.toString());
            add(a, "-device", "virtio-9p-pci,fsdev=" + id + ",mount_tag=" + sh.tag());
        }
    }

    private static void network(GuestSpec s, List<String> a) {
        if (s.network() == Network.USER) {
            add(a, "-netdev", "user,id=vml-net0");
            add(a, "-device", "virtio-net-pci,netdev=vml-net0");
        }
    }

    private static void devices(GuestSpec s, List<String> a) {
        for (int i = 0; i < s.devices().size(); i++) {
            GuestSpec.Device d = s.devices().get(i);
            QemuOpts dev = QemuOpts.of(d.model());
            if (d.id() != null) {
                dev.add("id", d.id());
            }
            if (d.netdev() == Network.USER) {
                String nd = "vml-nd" + i;
                add(a, "-netdev", "user,id=" + nd);
                dev.add("netdev", nd);
            }
            d.props().forEach(dev::add);
            add(a, "-device", dev.toString());
        }
    }

    /**
     * Each host slot gets its own PCIe root port on q35/virt (GPU drivers expect a PCIe link above them), and the
     * functions of one host slot stay functions of one guest slot, with multifunction=on on function 0.
     */
    private int passthrough(GuestSpec s, List<String> a) {
        Map<PciAddress, List<Passthrough>> bySlot = new LinkedHashMap<>();
        for (Passthrough p : s.passthrough()) {
            PciAddress slot =
                    new PciAddress(p.host().domain(), p.host().bus(), p.host().slot(), 0);
            bySlot.computeIfAbsent(slot, k -> new ArrayList<>()).add(p);
        }
        boolean pcie = s.machine() != Machine.PC;
        int port = 0;
        int hostdev = 0;
        for (Map.Entry<PciAddress, List<Passthrough>> e : bySlot.entrySet()) {
            List<Passthrough> fns = e.getValue();
            boolean multi = fns.size() > 1 || fns.stream().anyMatch(Passthrough::multifunction);
            String bus = null;
            String slotAddr;
            if (pcie) {
                bus = "vml-rp" + port;
                Long pref64 = reserve.pref64().get(e.getKey());
                // Large 64-bit BARs: the firmware must reserve their window on the port, or it cannot place them.
                add(
                        a,
                        "-device",
                        "pcie-root-port,id=" + bus + ",chassis=" + (port + 1)
                                + (pref64 == null ? "" : ",pref64-reserve=" + qemuSize(pref64)));
                slotAddr = "00";
            } else {
                // The pc machine has one flat bus; keep our devices clear of the slots QEMU fills itself.
                slotAddr = String.format("%02x", 0x10 + port);
            }
            port++;
            for (Passthrough p : fns) {
                QemuOpts dev =
                        QemuOpts.of("vfio-pci").add("host", p.host().toString()).add("id", "vml-hostdev" + hostdev++);
                if (bus != null) {
                    dev.add("bus", bus);
                }
                if (multi || bus == null) {
                    dev.add("addr", slotAddr + "." + p.host().function());
                }
                if (multi && p.host().function() == 0) {
                    dev.on("multifunction");
                }
                if (p.xVga()) {
                    dev.on("x-vga");
                }
                if (p.romfile() != null) {
                    dev.add("romfile", p.romfile());
                }
                if (p.rombar() != null) {
                    dev.add("rombar", p.rombar() ? "1" : "0");
                }
                add(a, "-device", dev.toString());
            }
        }
        return port;
    }

    /** The id of the {@code index}th empty root port that {@code vmlaunch attach} plugs devices into. */
    public static String hotplugSlot(int index) {
        return "vml-hp" + index;
    }

    /**
     * Empty PCIe root ports, reserved at start: QEMU cannot add a root port to a running q35/virt machine, and a
     * device hot-added straight onto pcie.0 is not hot-pluggable there. Their chassis numbers follow the passthrough
     * ports' (QEMU refuses two ports with one chassis/slot pair).
     */
    private static void hotplugSlots(GuestSpec s, int portsUsed, List<String> a) {
        for (int i = 0; i < s.hotplugSlots(); i++) {
            add(a, "-device", "pcie-root-port,id=" + hotplugSlot(i) + ",chassis=" + (portsUsed + i + 1));
        }
    }

    /** QEMU's size syntax: "32G", "512M". */
    public static String qemuSize(long bytes) {
        return bytes % (1L << 30) == 0 ? bytes / (1L << 30) + "G" : (bytes + (1L << 20) - 1) / (1L << 20) + "M";
    }

    private static void add(List<String> a, String opt, String value) {
        a.add(opt);
        a.add(value);
    }
}
