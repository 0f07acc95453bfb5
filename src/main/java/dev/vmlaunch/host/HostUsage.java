package dev.vmlaunch.host;

import java.io.IOException;
import java.nio.file.Files;
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
 * Why taking a device away from the host would hurt it: the boot VGA device, a storage controller with mounted
 * filesystems or active swap, a NIC that carries the default route or an address.
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
        if (d.baseClass() == 0x01) {
            List<String> mounts = mountsOn(dir.get());
            if (!mounts.isEmpty()) {
                out.add("it is a storage controller with mounted filesystems: " + String.join(", ", mounts));
            }
        }
        if (d.baseClass() == 0x02) {
            Set<String> defaultRoute = defaultRouteInterfaces();
            for (String iface : childrenIn(dir.get(), "class/net")) {
                if (defaultRoute.contains(iface)) {
                    out.add("it is a network controller whose interface " + iface + " carries the default route");
                }
                List<String> addrs = addresses.of(iface);
                if (!addrs.isEmpty()) {
                    out.add("it is a network controller whose interface " + iface + " has address "
                            + String.join(", ", addrs));
                }
            }
        }
        return out;
    }

    /** "vda1 on /", "sdb2 (swap)" for block devices below the PCI device, and for devices stacked on them. */
    List<String> mountsOn(Path deviceDir) {
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
            // Device-mapper, md and bcache devices on top of it hold its filesystems too.
            todo.addAll(Sysfs.list(blk.resolve("holders")));
        }
        List<String> out = new ArrayList<>();
        for (String line : lines(proc.resolve("self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && devNumbers.containsKey(f[2])) {
                out.add(devNumbers.get(f[2]) + " on " + unescape(f[4]));
            }
        }
        List<String> swaps = lines(proc.resolve("swaps"));
        for (int i = 1; i < swaps.size(); i++) {
            String src = swaps.get(i).split("\\s+")[0];
            String name = src.substring(src.lastIndexOf('/') + 1);
            if (seen.contains(name)) {
                out.add(name + " (swap)");
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

    private Set<String> defaultRouteInterfaces() {
        Set<String> out = new LinkedHashSet<>();
        List<String> v4 = lines(proc.resolve("net/route"));
        for (int i = 1; i < v4.size(); i++) {
            String[] f = v4.get(i).trim().split("\\s+");
            if (f.length > 7 && f[1].equals("00000000") && f[7].equals("00000000")) {
                out.add(f[0]);
            }
        }
        for (String line : lines(proc.resolve("net/ipv6_route"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 10 && f[0].matches("0{32}") && f[1].equals("00") && !f[9].equals("lo")) {
                out.add(f[9]);
            }
        }
        return out;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }

    // mountinfo escapes space, tab, newline and backslash as octal.
    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
