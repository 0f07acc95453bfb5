package dev.vmlaunch.host;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the PCI parts of sysfs under a movable root. Every path to a device comes from a parsed {@link PciAddress}
 * and is checked to resolve under {@code <root>/devices/}, so a planted symlink cannot send a write elsewhere.
 */
public final class Sysfs {
    /** Driver names as the kernel spells them; anything else is refused before it touches a path. */
    public static final Pattern DRIVER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:+-]{0,63}");

    private final Path root;

    public Sysfs(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** {@code <root>/bus/pci}. */
    public Path pciBus() {
        return root.resolve("bus/pci");
    }

    /** All PCI devices, sorted by address. */
    public List<PciAddress> pciAddresses() {
        TreeSet<PciAddress> out = new TreeSet<>();
        for (String name : list(pciBus().resolve("devices"))) {
            PciAddress.tryParse(name).filter(a -> a.toString().equals(name)).ifPresent(out::add);
        }
        return new ArrayList<>(out);
    }

    /** The device's real folder under {@code <root>/devices/}, or empty when there is no such device. */
    public Optional<Path> deviceDir(PciAddress address) {
        Path link = pciBus().resolve("devices").resolve(address.toString());
        if (!Files.exists(link)) {
            return Optional.empty();
        }
        try {
            Path real = link.toRealPath();
            Path devices = Files.isDirectory(root.resolve("devices"))
                    ? root.resolve("devices").toRealPath()
                    : root.resolve("devices");
            if (!real.startsWith(devices) || !real.getFileName().toString().equals(address.toString())) {
                throw VmlaunchException.failure(link + " resolves to " + real + ", not to a device folder under "
                        + devices + ": refusing to use it");
            }
            return Optional.of(real);
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot resolve " + link + ": " + e.getMessage(), e);
        }
    }

    /** Like {@link #deviceDir} but a missing device is an error the user can act on. */
    public Path requireDeviceDir(PciAddress address) {
        return deviceDir(address)
                .orElseThrow(() -> VmlaunchException.hostNotReady(
                        "no PCI device " + address + " on this host (see 'vmlaunch groups' or 'lspci -D')"));
    }

    public boolean exists(PciAddress address) {
        return deviceDir(address).isPresent();
    }

    /** Reads the device, or empty when it does not exist. */
    public Optional<PciDevice> device(PciAddress address) {
        return deviceDir(address).map(dir -> read(address, dir));
    }

    public PciDevice requireDevice(PciAddress address) {
        return read(address, requireDeviceDir(address));
    }

    /** All PCI devices. */
    public List<PciDevice> devices() {
        List<PciDevice> out = new ArrayList<>();
        for (PciAddress a : pciAddresses()) {
            device(a).ifPresent(out::add);
        }
        return out;
    }

    private PciDevice read(PciAddress address, Path dir) {
        String vendor = hex4(attribute(dir, "vendor").orElse(null));
        String device = hex4(attribute(dir, "device").orElse(null));
        int cls = attribute(dir, "class").map(Sysfs::parseHex).orElse(-1);
        String driver = linkName(dir.resolve("driver")).orElse(null);
        Integer group = iommuGroupOf(dir).stream().boxed().findFirst().orElse(null);
        Integer header = ConfigSpace.headerType(config(dir)).orElse(null);
        boolean bootVga = attribute(dir, "boot_vga").map("1"::equals).orElse(false);
        String override = attribute(dir, "driver_override")
                .filter(o -> !o.isEmpty() && !o.equals("(null)"))
                .orElse(null);
        return new PciDevice(address, vendor, device, cls, driver, group, header, bootVga, override);
    }

    /** The IOMMU group number of a device folder, from its {@code iommu_group} symlink. */
    public OptionalInt iommuGroupOf(Path deviceDir) {
        Optional<String> n = linkName(deviceDir.resolve("iommu_group"));
        if (n.isEmpty() || !n.get().matches("\\d{1,9}")) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(n.get()));
    }

    /** The driver bound to a device, read now. */
    public Optional<String> driverOf(PciAddress address) {
        return deviceDir(address).flatMap(dir -> linkName(dir.resolve("driver")));
    }

    /** The bytes of the device's config space that this user may read (64 without root, usually 256 or 4096 with). */
    public byte[] config(PciAddress address) {
        return config(requireDeviceDir(address));
    }

    private static byte[] config(Path dir) {
        try {
            return Files.readAllBytes(dir.resolve("config"));
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** How many MSI/MSI-X interrupts are allocated right now ({@code msi_irqs/}); 0 when the driver uses none. */
    public int allocatedMsiIrqs(PciAddress address) {
        return list(requireDeviceDir(address).resolve("msi_irqs")).size();
    }

    /** IOMMU group numbers, ascending. */
    public List<Integer> iommuGroupIds() {
        TreeSet<Integer> ids = new TreeSet<>();
        for (String n : list(root.resolve("kernel/iommu_groups"))) {
            if (n.matches("\\d{1,9}")) {
                ids.add(Integer.parseInt(n));
            }
        }
        return new ArrayList<>(ids);
    }

    /** The names in {@code kernel/iommu_groups/<id>/devices/}: PCI addresses and, on some hosts, platform devices. */
    public List<String> iommuGroupMembers(int id) {
        List<String> names = list(root.resolve("kernel/iommu_groups")
                .resolve(Integer.toString(id))
                .resolve("devices"));
        names.sort(null);
        return names;
    }

    /** The driver of a non-PCI group member, read through the group's symlink. */
    public Optional<String> groupMemberDriver(int id, String member) {
        if (member.contains("/") || member.startsWith(".")) {
            return Optional.empty();
        }
        return linkName(root.resolve("kernel/iommu_groups")
                .resolve(Integer.toString(id))
                .resolve("devices")
                .resolve(member)
                .resolve("driver"));
    }

    /** Whether a PCI driver is registered ({@code bus/pci/drivers/<name>} exists). */
    public boolean driverRegistered(String driver) {
        return DRIVER_NAME.matcher(driver).matches()
                && Files.isDirectory(pciBus().resolve("drivers").resolve(driver));
    }

    /** A sysfs attribute, trimmed; empty when missing or unreadable. */
    public static Optional<String> attribute(Path dir, String name) {
        try {
            return Optional.of(Files.readString(dir.resolve(name), StandardCharsets.ISO_8859_1)
                    .trim());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The last element of a symlink's target ({@code driver} → {@code nvidia}); empty when it is not a symlink. */
    static Optional<String> linkName(Path link) {
        try {
            if (!Files.isSymbolicLink(link)) {
                return Optional.empty();
            }
            Path target = Files.readSymbolicLink(link).getFileName();
            return Optional.ofNullable(target).map(Path::toString);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static List<String> list(Path dir) {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    private static String hex4(String sysfsValue) {
        if (sysfsValue == null) {
            return "????";
        }
        int v = parseHex(sysfsValue);
        return v < 0 ? "????" : String.format("%04x", v & 0xffff);
    }

    private static int parseHex(String s) {
        String t = s.trim();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            t = t.substring(2);
        }
        try {
            return Integer.parseInt(t, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
