package dev.vmlaunch.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A validated guest.json. Everything past {@link GuestSpecLoader} trusts these values: names match their
 * patterns, PCI addresses are well formed, options fit the chosen VMM and architecture, and paths are
 * absolute (relative paths in the file are taken from the file's folder).
 *
 * @param source     the file it came from, absolute
 * @param binary     the VMM executable as written, or null for the default ({@link #binaryOr})
 * @param machine    null for lkvm
 * @param accel      null for lkvm
 * @param irqchip    null when the VMM's default is used
 * @param mte        null when not set (lkvm's default)
 * @param network    null when not set: lkvm's default; for qemu the same as {@link Network#NONE}
 * @param affinity   host CPUs of the VMM and its vCPU threads; {@link Affinity#NONE} when not set
 */
public record GuestSpec(
        Path source,
        String name,
        Vmm vmm,
        Arch arch,
        String binary,
        Accel accel,
        Machine machine,
        int cpus,
        long memoryMiB,
        Boot boot,
        Console console,
        IrqChip irqchip,
        Viommu viommu,
        Boolean mte,
        Cpu cpu,
        String vga,
        Storage storage,
        List<Share> shares,
        Network network,
        List<Device> devices,
        List<Passthrough> passthrough,
        List<String> extraArgs,
        Affinity affinity,
        Stop stop,
        int hotplugSlots) {

    /** At most this many empty PCIe root ports for {@code vmlaunch attach} (each costs the guest a bus number). */
    public static final int MAX_HOTPLUG_SLOTS = 16;

    public static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}";

    public GuestSpec {
        shares = List.copyOf(shares);
        devices = List.copyOf(devices);
        passthrough = List.copyOf(passthrough);
        extraArgs = List.copyOf(extraArgs);
        affinity = affinity == null ? Affinity.NONE : affinity;
        stop = stop == null ? Stop.DEFAULT : stop;
        boot = boot == null ? Boot.NONE : boot;
        storage = storage == null ? Storage.NONE : storage;
    }

    /** The executable to run: {@code binary}, or {@code vmmDefault} (the VMM's own name for it). */
    public String binaryOr(String vmmDefault) {
        return binary != null ? binary : vmmDefault;
    }

    /** This spec with {@code extra} appended to the kernel command line (the harness adds its agent's arguments). */
    public GuestSpec withCmdlineAppended(String extra) {
        return new GuestSpec(
                source,
                name,
                vmm,
                arch,
                binary,
                accel,
                machine,
                cpus,
                memoryMiB,
                boot.withCmdlineAppended(extra),
                console,
                irqchip,
                viommu,
                mte,
                cpu,
                vga,
                storage,
                shares,
                network,
                devices,
                passthrough,
                extraArgs,
                affinity,
                stop,
                hotplugSlots);
    }

    /**
     * This spec with what its VMM fills in (see {@link VmmRules#check}): the accel, machine and irqchip it runs with,
     * and its shares as the VMM really serves them.
     */
    public GuestSpec withVmmDefaults(Accel accel, Machine machine, IrqChip irqchip, List<Share> shares) {
        return new GuestSpec(
                source,
                name,
                vmm,
                arch,
                binary,
                accel,
                machine,
                cpus,
                memoryMiB,
                boot,
                console,
                irqchip,
                viommu,
                mte,
                cpu,
                vga,
                storage,
                shares,
                network,
                devices,
                passthrough,
                extraArgs,
                affinity,
                stop,
                hotplugSlots);
    }

    /**
     * How the guest boots: a kernel with its initrd and command line, firmware, or both; all null: the VMM's default
     * firmware. The loader checks that an initrd or a command line comes with a kernel.
     */
    public record Boot(Path kernel, Path initrd, String cmdline, Firmware firmware) {
        public static final Boot NONE = new Boot(null, null, null, null);

        /** This boot with {@code extra} appended to the kernel command line. */
        public Boot withCmdlineAppended(String extra) {
            String c = cmdline == null || cmdline.isBlank() ? extra : cmdline + " " + extra;
            return new Boot(kernel, initrd, c, firmware);
        }
    }

    /** Firmware: a single image for {@code -bios} / lkvm {@code --firmware}, or an OVMF/AAVMF pflash pair. */
    public record Firmware(Path code, Path vars, boolean pflash) {}

    /**
     * How {@code vmlaunch stop} asks the guest to end, before kvmtool's IPC STOP and signals (lkvm only; qemu presses
     * the power button).
     *
     * @param consoleCommand typed on the guest's console when it is a shell; null: skip that step
     */
    public record Stop(String consoleCommand) {
        public static final String DEFAULT_CONSOLE_COMMAND = "poweroff";
        public static final Stop DEFAULT = new Stop(DEFAULT_CONSOLE_COMMAND);
    }

    /** CPU model options (qemu). {@code model} null: {@code host} with kvm, {@code max} with tcg. */
    public record Cpu(String model, boolean hideHypervisor, String hypervVendorId) {
        public static final Cpu DEFAULT = new Cpu(null, false, null);
    }

    /** The guest's disks, in guest.json's order, and its CD-ROM image (null: none). */
    public record Storage(List<Disk> disks, Path cdrom) {
        public static final Storage NONE = new Storage(List.of(), null);

        public Storage {
            disks = List.copyOf(disks);
        }
    }

    /** A disk image; {@code format} null lets the VMM probe (raw for qemu, with its warning suppressed). */
    public record Disk(Path path, boolean readonly, String format) {}

    /** A host folder shared over 9p under {@code tag}, with QEMU's 9p {@code security} model. */
    public record Share(Path path, String tag, boolean readonly, ShareSecurity security) {
        public Share {
            java.util.Objects.requireNonNull(security, "security");
        }
    }

    /**
     * An emulated qemu device, e.g. {@code e1000e}. {@code netdev} attaches a NIC model to user networking.
     * {@code props} are extra {@code key=value} device properties, in order.
     */
    public record Device(String model, String id, Network netdev, Map<String, String> props) {
        public Device {
            props = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(props));
        }
    }

    /**
     * A host PCI device given to the guest through VFIO.
     *
     * @param managed       bind it to vfio-pci before the guest starts and restore its driver afterwards
     * @param rombar        null: the VMM's default
     * @param minMsiVectors null: no requirement; else the device must offer at least this many MSI/MSI-X vectors
     */
    public record Passthrough(
            PciAddress host,
            boolean managed,
            boolean multifunction,
            boolean xVga,
            Path romfile,
            Boolean rombar,
            Integer minMsiVectors) {}
}
