package dev.vmlaunch.host;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Viommu;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * How much memory VFIO will pin for a guest, and the limits it is pinned against. As libvirt computes it: guest RAM
 * + 1 GiB; with a vIOMMU each device has its own address space that may pin all of RAM again, so per device RAM +
 * its BARs (the VMM maps them for peer-to-peer DMA) + 1 GiB. The kernel charges the pages to RLIMIT_MEMLOCK of
 * the VMM process unless it has CAP_IPC_LOCK (root), and counts each mapping against
 * {@code vfio_iommu_type1.dma_entry_limit} (65535 by default).
 */
public record MemlockBudget(long bytes, String breakdown, boolean viommu, int devices) {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long PAGE = 4096;

    public static MemlockBudget of(GuestSpec spec, Sysfs sysfs) {
        long ram = spec.memoryMiB() * MIB;
        boolean viommu = spec.viommu() != null && spec.viommu() != Viommu.NONE;
        int n = spec.passthrough().size();
        if (!viommu) {
            return new MemlockBudget(ram + GIB, spec.memoryMiB() + " MiB + 1 GiB", false, n);
        }
        long total = 0;
        long bars = 0;
        for (GuestSpec.Passthrough p : spec.passthrough()) {
            long b = sysfs.deviceDir(p.host())
                    .flatMap(PciBars::read)
                    .map(MemlockBudget::memoryBars)
                    .orElse(0L);
            bars += b;
            total += ram + GIB + b;
        }
        String breakdown = spec.memoryMiB() + " MiB + 1 GiB" + (n > 1 ? ", x " + n + " devices behind a vIOMMU" : "")
                + (bars > 0 ? ", + " + PciBars.human(bars) + " of BARs" : "");
        return new MemlockBudget(Math.max(total, ram + GIB), breakdown, true, n);
    }

    private static long memoryBars(List<PciBars.Bar> bars) {
        return bars.stream()
                .filter(b -> b.memory() && !b.rom())
                .mapToLong(PciBars.Bar::size)
                .sum();
    }

    /** With a vIOMMU a guest may map its RAM page by page: the worst-case number of DMA entries per device. */
    public long worstCaseDmaEntries(GuestSpec spec) {
        return spec.memoryMiB() * MIB / PAGE;
    }

    /** RLIMIT_MEMLOCK as {@code <proc>/<pid>/limits} shows it; an empty value is unlimited. */
    public record Limits(OptionalLong soft, OptionalLong hard, Path evidence) {
        public boolean allows(long bytes) {
            return soft.isEmpty() || soft.getAsLong() >= bytes;
        }

        public boolean canRaiseTo(long bytes) {
            return hard.isEmpty() || hard.getAsLong() >= bytes;
        }

        /** From {@code <proc>/self/limits}; both unlimited when it cannot be read. */
        public static Limits of(Path proc) {
            Path f = proc.resolve("self/limits");
            try (InputStream in = Files.newInputStream(f)) {
                for (String line : new String(in.readNBytes(64 * 1024), StandardCharsets.ISO_8859_1).split("\n")) {
                    if (line.startsWith("Max locked memory")) {
                        String[] v = line.substring("Max locked memory".length())
                                .trim()
                                .split("\\s+");
                        return new Limits(value(v[0]), value(v.length > 1 ? v[1] : v[0]), f);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return new Limits(OptionalLong.empty(), OptionalLong.empty(), f);
            }
            return new Limits(OptionalLong.empty(), OptionalLong.empty(), f);
        }

        private static OptionalLong value(String s) {
            return s.equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
        }
    }
}
