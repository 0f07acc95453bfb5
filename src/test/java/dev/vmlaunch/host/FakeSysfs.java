package dev.vmlaunch.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds a fake sysfs laid out like the kernel's: real device folders under {@code devices/pci0000:00/…}, with
 * {@code bus/pci/devices/<bdf>}, {@code driver}, {@code iommu_group} and {@code kernel/iommu_groups/N/devices/<bdf>}
 * as relative symlinks, the way the kernel makes them.
 */
public final class FakeSysfs {
    private final Path root;
    private final Map<String, Path> dirs = new HashMap<>();
    /** The driver the fake kernel's drivers_probe picks when no override is set (what its id table would match). */
    final Map<String, String> nativeDrivers = new HashMap<>();

    public FakeSysfs(Path root) {
        this.root = root;
        mkdirs(root.resolve("devices/pci0000:00"));
        mkdirs(root.resolve("bus/pci/devices"));
        mkdirs(root.resolve("bus/pci/drivers"));
        mkdirs(root.resolve("kernel/iommu_groups"));
        mkdirs(root.resolve("class/block"));
        mkdirs(root.resolve("class/net"));
        write(root.resolve("bus/pci/drivers_probe"), "");
    }

    public Path root() {
        return root;
    }

    /** A device on the root bus. */
    public Device device(String bdf) {
        return device(bdf, null);
    }

    /** A device behind a bridge (its folder nests under the bridge's, as in the kernel). */
    public Device device(String bdf, String behind) {
        String domain = bdf.substring(0, 4);
        Path parent = behind == null ? root.resolve("devices/pci" + domain + ":00") : dirs.get(behind);
        if (parent == null) {
            throw new IllegalArgumentException("unknown bridge " + behind);
        }
        Path dir = parent.resolve(bdf);
        mkdirs(dir);
        mkdirs(dir.resolve("msi_irqs"));
        dirs.put(bdf, dir);
        link(root.resolve("bus/pci/devices").resolve(bdf), dir);
        Device d = new Device(bdf, dir);
        d.vendor("8086").device("0001").cls("ff0000");
        write(dir.resolve("driver_override"), "(null)\n");
        // The default config has a PM capability with NoSoftRst-, so the kernel would offer the PM reset.
        write(dir.resolve("reset_method"), "pm\n");
        d.config(256, 0, 0);
        return d;
    }

    public Path dir(String bdf) {
        return dirs.get(bdf);
    }

    /** Registers a PCI driver ({@code bus/pci/drivers/<name>} with its bind/unbind files). */
    public FakeSysfs driver(String name) {
        Path d = root.resolve("bus/pci/drivers").resolve(name);
        if (!Files.isDirectory(d)) {
            mkdirs(d);
            write(d.resolve("bind"), "");
            write(d.resolve("unbind"), "");
            write(d.resolve("new_id"), "");
        }
        return this;
    }

    /** Points {@code <device>/driver} at a driver, and the driver's entry back at the device. */
    void attach(String bdf, String driver) {
        driver(driver);
        Path dir = dirs.get(bdf);
        Path drv = root.resolve("bus/pci/drivers").resolve(driver);
        link(dir.resolve("driver"), drv);
        link(drv.resolve(bdf), dir);
    }

    void detach(String bdf) {
        Path dir = dirs.get(bdf);
        try {
            Path link = dir.resolve("driver");
            if (Files.isSymbolicLink(link)) {
                Path drv = link.resolveSibling(Files.readSymbolicLink(link)).normalize();
                Files.deleteIfExists(drv.resolve(bdf));
                Files.delete(link);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String read(String bdf, String attr) {
        try {
            return Files.readString(dirs.get(bdf).resolve(attr)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A block device (and its partitions) whose folder nests under the PCI device, as virtio-blk or AHCI disks do. */
    public FakeSysfs blockDevice(String bdf, String name, String majMin, String... partitions) {
        Path dev = dirs.get(bdf).resolve("host0/block").resolve(name);
        mkdirs(dev.resolve("holders"));
        write(dev.resolve("dev"), majMin + "\n");
        link(root.resolve("class/block").resolve(name), dev);
        int minor = Integer.parseInt(majMin.split(":")[1]);
        String major = majMin.split(":")[0];
        for (String p : partitions) {
            Path part = dev.resolve(p);
            mkdirs(part.resolve("holders"));
            minor++;
            write(part.resolve("dev"), major + ":" + minor + "\n");
            link(root.resolve("class/block").resolve(p), part);
        }
        return this;
    }

    /** A network interface whose folder nests under the PCI device. */
    public FakeSysfs netInterface(String bdf, String name) {
        Path dev = dirs.get(bdf).resolve("net").resolve(name);
        mkdirs(dev);
        link(root.resolve("class/net").resolve(name), dev);
        return this;
    }

    public final class Device {
        private final String bdf;
        private final Path dir;

        Device(String bdf, Path dir) {
            this.bdf = bdf;
            this.dir = dir;
        }

        public Device vendor(String v) {
            write(dir.resolve("vendor"), "0x" + v + "\n");
            return this;
        }

        public Device device(String d) {
            write(dir.resolve("device"), "0x" + d + "\n");
            return this;
        }

        /** The 24-bit class code as six hex digits, e.g. {@code 030000}. */
        public Device cls(String c) {
            write(dir.resolve("class"), "0x" + c + "\n");
            return this;
        }

        /** Bound to {@code driver}; drivers_probe without override picks it again. */
        public Device driver(String driver) {
            attach(bdf, driver);
            nativeDrivers.put(bdf, driver);
            return this;
        }

        /** Not bound now, but drivers_probe would pick {@code driver}. */
        public Device nativeDriver(String driver) {
            FakeSysfs.this.driver(driver);
            nativeDrivers.put(bdf, driver);
            return this;
        }

        public Device group(int id) {
            Path g = root.resolve("kernel/iommu_groups").resolve(Integer.toString(id));
            mkdirs(g.resolve("devices"));
            link(dir.resolve("iommu_group"), g);
            link(g.resolve("devices").resolve(bdf), dir);
            return this;
        }

        public Device bootVga(boolean on) {
            write(dir.resolve("boot_vga"), on ? "1\n" : "0\n");
            return this;
        }

        public Device override(String driver) {
            write(dir.resolve("driver_override"), (driver == null ? "(null)" : driver) + "\n");
            return this;
        }

        /** Config space of {@code size} bytes (64 = what a non-root user reads) with MSI/MSI-X capabilities. */
        public Device config(int size, int msiVectors, int msixVectors) {
            return config(size, 0, msiVectors, msixVectors);
        }

        public Device config(int size, int headerType, int msiVectors, int msixVectors) {
            byte[] c = new byte[256];
            c[0x0e] = (byte) headerType;
            int next = 0x40;
            int prev = 0x34;
            c[0x06] = 0x10;
            // A power-management capability first, as real devices have, so the walk has to follow the chain.
            c[prev] = (byte) next;
            c[next] = 0x01;
            prev = next + 1;
            next += 8;
            if (msiVectors > 0) {
                c[prev] = (byte) next;
                c[next] = 0x05;
                int log2 = Integer.numberOfTrailingZeros(msiVectors);
                c[next + 2] = (byte) (log2 << 1);
                prev = next + 1;
                next += 0x18;
            }
            if (msixVectors > 0) {
                c[prev] = (byte) next;
                c[next] = 0x11;
                int n = msixVectors - 1;
                c[next + 2] = (byte) (n & 0xff);
                c[next + 3] = (byte) ((n >> 8) & 0x07);
                prev = next + 1;
            }
            c[prev] = 0;
            byte[] out = java.util.Arrays.copyOf(c, size);
            try {
                Files.write(dir.resolve("config"), out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        public Device msiIrqs(int... irqs) {
            for (int i : irqs) {
                write(dir.resolve("msi_irqs").resolve(Integer.toString(i)), "msi\n");
            }
            return this;
        }
    }

    static void link(Path link, Path target) {
        try {
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, link.getParent().relativize(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, String s) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, s, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
