package dev.vmlaunch.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The interfaces stacked on a network interface: the bridge it is a port of, the bond it is a slave of, VLANs and
 * macvlans on it, and what is stacked on those in turn (eth0 → bond0 → br0). A NIC whose upper carries the host's
 * address or default route is as much in use as one that carries them itself.
 *
 * <p>Read the way the kernel shows it (Documentation/ABI/testing/sysfs-class-net, bonding.rst, bridge):
 * {@code class/net/IF/master} (a link to the bridge or bond), {@code class/net/IF/upper_UP} links,
 * {@code class/net/BR/brif/IF} (bridge ports) and {@code class/net/BOND/bonding/slaves} (space-separated names).
 */
final class NetStack {
    private final Path classNet;

    NetStack(Path sysfsRoot) {
        this.classNet = sysfsRoot.resolve("class/net");
    }

    /** Every interface above {@code iface}, nearest first; not {@code iface} itself. */
    List<String> uppers(String iface) {
        Set<String> seen = new LinkedHashSet<>();
        seen.add(iface);
        Deque<String> todo = new ArrayDeque<>(List.of(iface));
        List<String> all = Sysfs.list(classNet);
        while (!todo.isEmpty()) {
            String name = todo.pop();
            for (String up : directUppers(name, all)) {
                if (seen.add(up)) {
                    todo.add(up);
                }
            }
        }
        seen.remove(iface);
        return new ArrayList<>(seen);
    }

    private List<String> directUppers(String name, List<String> all) {
        List<String> out = new ArrayList<>();
        Path dir = classNet.resolve(name);
        Path master = dir.resolve("master");
        if (Files.isSymbolicLink(master)) {
            try {
                out.add(Files.readSymbolicLink(master).getFileName().toString());
            } catch (IOException e) {
                // gone meanwhile
            }
        }
        for (String entry : Sysfs.list(dir)) {
            if (entry.startsWith("upper_") && entry.length() > 6) {
                out.add(entry.substring(6));
            }
        }
        // The same facts from the other side, for kernels or drivers that do not make master/upper_ links.
        for (String other : all) {
            if (other.equals(name)) {
                continue;
            }
            Path o = classNet.resolve(other);
            if (Files.exists(o.resolve("brif").resolve(name))) {
                out.add(other);
            }
            Sysfs.attribute(o.resolve("bonding"), "slaves").ifPresent(slaves -> {
                if (List.of(slaves.trim().split("\\s+")).contains(name)) {
                    out.add(other);
                }
            });
        }
        return out;
    }
}
