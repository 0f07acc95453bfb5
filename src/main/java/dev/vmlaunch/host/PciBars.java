package dev.vmlaunch.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A device's BARs as sysfs shows them: {@code resource} has one "start end flags" line per resource (BAR 0-5, the
 * ROM, then bridge windows), {@code resourceN} exists per mappable BAR with the BAR's size as its file size, and
 * {@code resourceN_resize} (Resizable BAR capability) holds the sizes the BAR supports as a bit mask, bit n being
 * 2^n MiB.
 */
public final class PciBars {
    /** include/linux/ioport.h. */
    static final long IORESOURCE_IO = 0x100;

    static final long IORESOURCE_MEM = 0x200;
    static final long IORESOURCE_PREFETCH = 0x2000;
    static final long IORESOURCE_MEM_64 = 0x100000;
    static final int ROM_INDEX = 6;
    static final long MIB = 1L << 20;

    /**
     * @param resizableMiB the sizes {@code resourceN_resize} offers, in MiB, ascending; empty when not resizable
     */
    public record Bar(int index, long start, long end, long flags, List<Long> resizableMiB) {
        public Bar {
            resizableMiB = List.copyOf(resizableMiB);
        }

        public long size() {
            return end >= start && (start != 0 || end != 0) ? end - start + 1 : 0;
        }

        public boolean memory() {
            return (flags & IORESOURCE_MEM) != 0;
        }

        public boolean io() {
            return (flags & IORESOURCE_IO) != 0;
        }

        public boolean prefetchable() {
            return (flags & IORESOURCE_PREFETCH) != 0;
        }

        public boolean mem64() {
            return (flags & IORESOURCE_MEM_64) != 0;
        }

        public boolean rom() {
            return index == ROM_INDEX;
        }

        /** "BAR 0: 256 MiB 64-bit prefetchable" / "ROM: 128 KiB". */
        public String describe() {
            String kind = io() ? "I/O" : (mem64() ? "64-bit" : "32-bit") + (prefetchable() ? " prefetchable" : "");
            return (rom() ? "ROM" : "BAR " + index) + ": " + human(size()) + " " + kind
                    + (resizableMiB.isEmpty()
                            ? ""
                            : " (resizable: " + human(resizableMiB.get(0) * MIB) + " to "
                                    + human(resizableMiB.get(resizableMiB.size() - 1) * MIB) + ")");
        }
    }

    private PciBars() {}

    /** The BARs and ROM with a size, from {@code <dir>/resource}; empty when the file cannot be read. */
    public static Optional<List<Bar>> read(Path dir) {
        String text;
        try {
            Path f = dir.resolve("resource");
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.size(f) > 64 * 1024) {
                return Optional.empty();
            }
            text = Files.readString(f, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(parse(text, n -> resizable(dir, n)));
    }

    /** Parses the lines of {@code resource}; only BAR 0-5 and the ROM, only those with a size. */
    static List<Bar> parse(String resource, java.util.function.IntFunction<List<Long>> resizable) {
        List<Bar> out = new ArrayList<>();
        String[] lines = resource.split("\n");
        for (int i = 0; i < lines.length && i <= ROM_INDEX; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length != 3) {
                continue;
            }
            try {
                Bar b = new Bar(i, hex(f[0]), hex(f[1]), hex(f[2]), i == ROM_INDEX ? List.of() : resizable.apply(i));
                if (b.size() > 0) {
                    out.add(b);
                }
            } catch (NumberFormatException e) {
                // a line we do not understand is no BAR we can reason about
            }
        }
        return out;
    }

    /** The supported sizes in MiB from {@code resourceN_resize}; empty when the BAR is not resizable. */
    static List<Long> resizable(Path dir, int index) {
        Optional<String> mask = Sysfs.attribute(dir, "resource" + index + "_resize");
        List<Long> out = new ArrayList<>();
        if (mask.isEmpty()) {
            return out;
        }
        try {
            long m = hex(mask.get());
            for (int bit = 0; bit < 48; bit++) {
                if ((m & (1L << bit)) != 0) {
                    out.add(1L << bit);
                }
            }
        } catch (NumberFormatException e) {
            return List.of();
        }
        return out;
    }

    private static long hex(String s) {
        String t = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
        return Long.parseUnsignedLong(t, 16);
    }

    static String human(long bytes) {
        if (bytes >= (1L << 30) && bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + " GiB";
        }
        if (bytes >= MIB && bytes % MIB == 0) {
            return bytes / MIB + " MiB";
        }
        if (bytes >= MIB) {
            return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return bytes / 1024 + " KiB";
        }
        return bytes + " B";
    }
}
