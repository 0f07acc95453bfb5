package dev.vmlaunch.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Why taking a device away from the host would hurt it: the boot VGA device, a device whose disks (or what is
 * stacked on them: LVM, dm-crypt, md, btrfs spanning them) hold mounted filesystems or active swap, a NIC that
 * carries the default route or an address, itself or through the bridge, bond or VLAN it is part of. What vmlaunch
 * cannot tell (an unreadable /proc file, a ZFS pool) counts as in use: the refusal says so, and --force overrides.
 */
public final class HostUsage {
    private final Sysfs sysfs;
    private final Path proc;
    private final InterfaceAddresses addresses;

    public HostUsage(Sysfs sysfs, Path proc, InterfaceAddresses addresses) {
        this.sysfs = sysfs;
        this.proc = proc;
        this.addresses = addresses;
    }

    /** One line per reason; empty when the host does not visibly use the device. */
    public List<String> reasons(PciDevice d) {
        List<String> out = new ArrayList<>();
        if (d.bootVga()) {
            out.add("it is the boot VGA device (boot_vga=1): the host's console is on it");
        }
        Optional<Path> dir = sysfs.deviceDir(d.address());
        if (dir.isEmpty()) {
            return out;
        }
        // Disks below any device count (AHCI, NVMe, virtio-blk, a USB stick behind xHCI).
        Blocks blocks = blocksBelow(dir.get());
        if (!blocks.names().isEmpty()) {
            out.addAll(storageReasons(
                    blocks,
                    d.baseClass() == 0x01
                            ? "it is a storage controller with mounted filesystems: "
                            : "its disks hold mounted filesystems: "));
        }
        if (d.baseClass() == 0x02) {
            out.addAll(networkReasons(dir.get()));
        }
        return out;
    }

    /** The block devices below a PCI device and those stacked on them, with their MAJ:MIN numbers. */
    record Blocks(Set<String> names, Map<String, String> byNumber) {}

    Blocks blocksBelow(Path deviceDir) {
        Map<String, String> devNumbers = new LinkedHashMap<>();
        Deque<String> todo = new ArrayDeque<>(childrenIn(deviceDir, "class/block"));
        Set<String> seen = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!seen.add(name)) {
                continue;
            }
            Path blk = sysfs.root().resolve("class/block").resolve(name);
            Sysfs.attribute(blk, "dev").ifPresent(n -> devNumbers.put(n, name));
            // Device-mapper (LVM, dm-crypt), md and bcache devices on top of it hold its filesystems too.
            todo.addAll(Sysfs.list(blk.resolve("holders")));
        }
        return new Blocks(seen, devNumbers);
    }

    private List<String> storageReasons(Blocks blocks, String mountedPrefix) {
        List<String> out = new ArrayList<>();
        List<String> mounted = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        Optional<List<String>> info = read(proc.resolve("self/mountinfo"));
        if (info.isEmpty()) {
            out.add("cannot read " + proc.resolve("self/mountinfo") + ": cannot tell whether its disks ("
                    + String.join(", ", blocks.names()) + ") hold mounted filesystems");
        } else {
            for (MountTable.Mount m : MountTable.parse(info.get())) {
                if (!m.anonymous()) {
                    String name = blocks.byNumber().get(m.device());
                    if (name != null) {
                        mounted.add(name + " on " + m.mountPoint());
                    }
                    continue;
                }
                switch (m.fsType()) {
                    case "btrfs" -> {
                        Optional<Set<String>> devs = btrfsDevices(m.source());
                        if (devs.isEmpty()) {
                            unknown.add("cannot tell which devices back " + m.describe() + " (btrfs on " + m.source()
                                    + ")");
                        } else {
                            devs.get().stream()
                                    .filter(blocks.names()::contains)
                                    .findFirst()
                                    .ifPresent(n -> mounted.add(n + " on " + m.mountPoint() + " (btrfs)"));
                        }
                    }
                    case "zfs" -> unknown.add("cannot tell which devices back " + m.describe() + " (zfs)");
                        // overlay's layers are directories of other mounts, which are checked themselves; tmpfs, proc
                        // and the like have no disk.
                    default -> {}
                }
            }
        }
        Optional<List<String>> swaps = read(proc.resolve("swaps"));
        if (swaps.isEmpty()) {
            out.add("cannot read " + proc.resolve("swaps") + ": cannot tell whether its disks hold active swap");
        } else {
            for (int i = 1; i < swaps.get().size(); i++) {
                String src = MountTable.unescape(swaps.get().get(i).split("\\s+")[0]);
                blockName(src).filter(blocks.names()::contains).ifPresent(n -> mounted.add(n + " (swap)"));
            }
        }
        if (!mounted.isEmpty()) {
            out.add(0, mountedPrefix + String.join(", ", mounted));
        }
        for (String u : unknown) {
            out.add(u + ", so its disks (" + String.join(", ", blocks.names()) + ") may hold it");
        }
        return out;
    }

    /**
     * The block devices of the btrfs filesystem whose mount source is {@code source}: the source's own device, and
     * every device of the same filesystem ({@code /sys/fs/btrfs/UUID/devices/NAME}, one link per member, see
     * Documentation/ABI/testing/sysfs-fs-btrfs). Empty when the source names no block device vmlaunch can find.
     */
    private Optional<Set<String>> btrfsDevices(String source) {
        Optional<String> own = blockName(source);
        if (own.isEmpty()) {
            return Optional.empty();
        }
        Set<String> out = new LinkedHashSet<>(List.of(own.get()));
        Path fs = sysfs.root().resolve("fs/btrfs");
        for (String uuid : Sysfs.list(fs)) {
            List<String> members = Sysfs.list(fs.resolve(uuid).resolve("devices"));
            if (members.contains(own.get())) {
                out.addAll(members);
            }
        }
        return Optional.of(out);
    }

    /**
     * The kernel name of the block device a mount or swap source names: {@code /dev/sda2} → sda2,
     * {@code /dev/mapper/vg-root} and {@code /dev/vg/root} → the dm-N whose {@code dm/name} is vg-root.
     */
    Optional<String> blockName(String source) {
        if (!source.startsWith("/dev/")) {
            return Optional.empty();
        }
        String rest = source.substring(5);
        Path classBlock = sysfs.root().resolve("class/block");
        if (!rest.contains("/") && Files.exists(classBlock.resolve(rest))) {
            return Optional.of(rest);
        }
        String dmName = null;
        if (rest.startsWith("mapper/")) {
            dmName = rest.substring(7);
        } else if (rest.chars().filter(c -> c == '/').count() == 1) {
            // LVM's /dev/VG/LV; device-mapper names it VG-LV with each '-' inside a name doubled.
            String[] p = rest.split("/");
            dmName = p[0].replace("-", "--") + "-" + p[1].replace("-", "--");
        }
        if (dmName != null) {
            for (String n : Sysfs.list(classBlock)) {
                if (n.startsWith("dm-")
                        && Sysfs.attribute(classBlock.resolve(n).resolve("dm"), "name")
                                .map(dmName::equals)
                                .orElse(false)) {
                    return Optional.of(n);
                }
            }
        }
        return Optional.empty();
    }

    private List<String> networkReasons(Path deviceDir) {
        List<String> out = new ArrayList<>();
        List<String> ifaces = childrenIn(deviceDir, "class/net");
        if (ifaces.isEmpty()) {
            return out;
        }
        Optional<Set<String>> defaultRoute = defaultRouteInterfaces();
        NetStack stack = new NetStack(sysfs.root());
        for (String iface : ifaces) {
            if (defaultRoute.isEmpty()) {
                out.add("cannot read " + proc.resolve("net/route") + ": cannot tell whether its interface " + iface
                        + " carries the default route");
            }
            List<String> chain = new ArrayList<>(List.of(iface));
            chain.addAll(stack.uppers(iface));
            for (String x : chain) {
                String who = x.equals(iface)
                        ? "it is a network controller whose interface " + iface
                        : "it is a network controller whose interface " + iface + " is part of " + x + ", which";
                if (defaultRoute.isPresent() && defaultRoute.get().contains(x)) {
                    out.add(who + " carries the default route");
                }
                List<String> addrs = addresses.of(x);
                if (!addrs.isEmpty()) {
                    out.add(who + " has address " + String.join(", ", addrs));
                }
            }
        }
        return out;
    }

    /** Names in {@code <sysfs>/<classDir>} whose folders lie below the PCI device's folder. */
    private List<String> childrenIn(Path deviceDir, String classDir) {
        List<String> out = new ArrayList<>();
        for (String name : Sysfs.list(sysfs.root().resolve(classDir))) {
            try {
                if (sysfs.root().resolve(classDir).resolve(name).toRealPath().startsWith(deviceDir)) {
                    out.add(name);
                }
            } catch (IOException e) {
                // a dangling link: gone already
            }
        }
        out.sort(null);
        return out;
    }

    /** Interfaces with an IPv4 or IPv6 default route; empty when /proc/net/route cannot be read. */
    private Optional<Set<String>> defaultRouteInterfaces() {
        Optional<List<String>> v4 = read(proc.resolve("net/route"));
        if (v4.isEmpty()) {
            return Optional.empty();
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 1; i < v4.get().size(); i++) {
            String[] f = v4.get().get(i).trim().split("\\s+");
            if (f.length > 7 && f[1].equals("00000000") && f[7].equals("00000000")) {
                out.add(f[0]);
            }
        }
        // No ipv6_route at all: the kernel runs without IPv6 (ipv6.disable=1), so there is no IPv6 default route.
        List<String> v6;
        try {
            v6 = Files.readAllLines(proc.resolve("net/ipv6_route"));
        } catch (NoSuchFileException e) {
            v6 = List.of();
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String line : v6) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 10 && f[0].matches("0{32}") && f[1].equals("00") && !f[9].equals("lo")) {
                out.add(f[9]);
            }
        }
        return Optional.of(out);
    }

    private static Optional<List<String>> read(Path p) {
        try {
            return Optional.of(Files.readAllLines(p));
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }
}
