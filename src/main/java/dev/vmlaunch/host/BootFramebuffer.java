package dev.vmlaunch.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Boot framebuffers in {@code /proc/iomem}: the firmware's frame buffer, claimed by efifb, simplefb / simpledrm
 * (as "simple-framebuffer"), vesafb, or reserved as "BOOTFB" by sysfb. When one lies inside a BAR of the GPU being
 * passed through, vfio-pci cannot request that BAR ("vfio-pci 0000:01:00.0: BAR 1: can't reserve [mem ...]") and
 * the guest's driver fails.
 */
public final class BootFramebuffer {
    static final List<String> NAMES =
            List.of("bootfb", "efifb", "simplefb", "simple-framebuffer", "simpledrm", "vesafb");

    /** One /proc/iomem line. */
    public record Region(long start, long end, String name) {
        boolean overlaps(long s, long e) {
            return start <= e && s <= end;
        }

        @Override
        public String toString() {
            return String.format("%x-%x : %s", start, end, name);
        }
    }

    /** What /proc/iomem said: the framebuffer regions, or that its addresses are hidden (not root). */
    public record Iomem(List<Region> framebuffers, boolean hidden) {}

    private BootFramebuffer() {}

    /** Reads at most 1 MiB of {@code <proc>/iomem}; empty when unreadable. */
    public static Optional<Iomem> read(Path proc) {
        try (InputStream in = Files.newInputStream(proc.resolve("iomem"))) {
            return Optional.of(parse(new String(in.readNBytes(1 << 20), StandardCharsets.ISO_8859_1)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static Iomem parse(String iomem) {
        List<Region> fbs = new ArrayList<>();
        boolean anyAddress = false;
        for (String line : iomem.split("\n")) {
            int colon = line.indexOf(" : ");
            int dash = line.indexOf('-');
            if (colon < 0 || dash < 0 || dash > colon) {
                continue;
            }
            try {
                long s = Long.parseUnsignedLong(line.substring(0, dash).trim(), 16);
                long e = Long.parseUnsignedLong(line.substring(dash + 1, colon).trim(), 16);
                anyAddress |= s != 0 || e != 0;
                String name = line.substring(colon + 3).trim();
                String lower = name.toLowerCase(Locale.ROOT);
                if (NAMES.stream().anyMatch(lower::contains)) {
                    fbs.add(new Region(s, e, name));
                }
            } catch (NumberFormatException ex) {
                // not an address line
            }
        }
        // Without CAP_SYS_ADMIN the kernel prints every range as 00000000-00000000.
        return new Iomem(fbs, !anyAddress);
    }
}
