package dev.vmlaunch.host;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.vmm.QemuCommand;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the passthrough BARs fit the guest's PCI MMIO window.
 *
 * <p>A VMM that places every BAR, 64-bit ones too, in one 32-bit window, each aligned to its size, says where
 * ({@link VmmHostProfile#barWindow}; kvmtool's is in {@code driver.lkvm.LkvmHostProfile}): the BARs must fit there.
 *
 * <p>QEMU puts 64-bit BARs above 4 GiB, but a PCIe root port's prefetchable window is sized by the firmware, which
 * reserves little for an empty port; vmlaunch asks for a large enough one with {@code pref64-reserve} on the port
 * ({@link #pref64Reserve}).
 */
public final class MmioWindow {
    /** 64-bit prefetchable BARs of a slot adding up to this or more get pref64-reserve on their root port. */
    public static final long PREF64_THRESHOLD = 1L << 30;

    static final String ID = "mmio-window";

    private MmioWindow() {}

    /** Where the BARs end when placed largest first, each aligned to its size: the best order there is. */
    static long packedEnd(long base, List<Long> sizes) {
        long at = base;
        for (long s : sizes.stream().sorted(Comparator.reverseOrder()).toList()) {
            long align = Long.highestOneBit(Math.max(s, 4096));
            align = align < s ? align << 1 : align;
            at = (at + align - 1) & -align;
            at += s;
        }
        return at;
    }

    /**
     * One verdict per device: for a VMM with one BAR window, its BARs, and all the guest's BARs together, against
     * that window; else what its root port must reserve.
     */
    static List<DeviceVerdict> check(
            GuestSpec spec,
            VmmHostProfile vmm,
            Map<PciAddress, List<PciBars.Bar>> bars,
            Map<PciAddress, String> evidence) {
        List<DeviceVerdict> out = new ArrayList<>();
        Optional<VmmHostProfile.BarWindow> w = vmm.barWindow(spec.arch());
        List<Long> all = new ArrayList<>();
        for (Map.Entry<PciAddress, List<PciBars.Bar>> e : bars.entrySet()) {
            List<Long> sizes = memorySizes(e.getValue());
            all.addAll(sizes);
            List<String> ev = List.of(evidence.get(e.getKey()));
            if (w.isPresent()) {
                VmmHostProfile.BarWindow win = w.get();
                String window = vmm.displayName() + "'s " + spec.arch().json() + " PCI window of "
                        + PciBars.human(win.size()) + " (" + String.format("0x%x-0x%x", win.base(), win.end()) + ")";
                long end = packedEnd(win.base(), sizes);
                long endAll = packedEnd(win.base(), all);
                if (end > win.end()) {
                    out.add(DeviceVerdict.fail(
                            ID,
                            e.getKey(),
                            "its BARs (" + PciBars.human(sum(sizes)) + " of memory BARs) do not fit " + window + ": "
                                    + vmm.displayName() + " places even 64-bit BARs there",
                            ev,
                            shrinkRemedy(e.getValue())
                                    + "or run the guest with \"vmm\": \"qemu\", which maps 64-bit BARs "
                                    + "above 4 GiB"));
                } else if (endAll > win.end()) {
                    out.add(DeviceVerdict.fail(
                            ID,
                            e.getKey(),
                            "with the guest's other passthrough devices its BARs do " + "not fit " + window + " ("
                                    + PciBars.human(sum(all)) + " in all)",
                            ev,
                            "pass fewer devices to this guest, " + shrinkRemedy(e.getValue())
                                    + "or use \"vmm\": \"qemu\""));
                } else {
                    out.add(DeviceVerdict.pass(
                            ID,
                            e.getKey(),
                            "its BARs fit " + window + " (" + PciBars.human(endAll - win.base())
                                    + " used by all passthrough BARs)",
                            ev));
                }
            } else {
                long reserve = pref64Reserve(e.getValue());
                out.add(DeviceVerdict.pass(
                        ID,
                        e.getKey(),
                        reserve == 0
                                ? vmm.displayName() + " maps its BARs (no large 64-bit BAR)"
                                : "its 64-bit prefetchable BARs need " + PciBars.human(reserve)
                                        + ": its root port gets " + "pref64-reserve=" + QemuCommand.qemuSize(reserve),
                        ev));
            }
        }
        return out;
    }

    /**
     * The prefetchable 64-bit window a root port must reserve for these BARs: their sum rounded up to a power of
     * two, or 0 below {@link #PREF64_THRESHOLD} (the firmware's own sizing is enough there).
     */
    public static long pref64Reserve(List<PciBars.Bar> bars) {
        long sum = 0;
        for (PciBars.Bar b : bars) {
            if (b.memory() && b.mem64() && b.prefetchable() && !b.rom()) {
                sum += b.size();
            }
        }
        if (sum < PREF64_THRESHOLD) {
            return 0;
        }
        long p = Long.highestOneBit(sum);
        return p == sum ? p : p << 1;
    }

    private static String shrinkRemedy(List<PciBars.Bar> bars) {
        for (PciBars.Bar b : bars) {
            if (!b.resizableMiB().isEmpty() && b.resizableMiB().get(0) * PciBars.MIB < b.size()) {
                int bit = Long.numberOfTrailingZeros(b.resizableMiB().get(0));
                return "shrink the resizable BAR " + b.index() + " while the device is unbound ('echo " + bit
                        + " > resource" + b.index() + "_resize' sets "
                        + PciBars.human(b.resizableMiB().get(0) * PciBars.MIB)
                        + "), ";
            }
        }
        return "";
    }

    private static List<Long> memorySizes(List<PciBars.Bar> bars) {
        return bars.stream()
                .filter(b -> b.memory() && !b.rom())
                .map(PciBars.Bar::size)
                .toList();
    }

    private static long sum(List<Long> l) {
        return l.stream().mapToLong(Long::longValue).sum();
    }
}
