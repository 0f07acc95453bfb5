package dev.vmlaunch.harness;

import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's half of the interrupt proof: the rows vfio-pci registers for a passthrough device in the host's own
 * {@code /proc/interrupts}, diffed over the workload beside the guest's. Their names come from
 * drivers/vfio/pci/vfio_pci_intrs.c (6.1): {@code "vfio-msi%s[%d](%s)"} (msix ? "x" : "", vector, pci_name) for
 * MSI and MSI-X, {@code "vfio-intx(%s)"} for INTx.
 *
 * <p>Which side moves says how the interrupt travelled. Both: the host's vfio handler took each one and signalled
 * KVM's irqfd (the common path, and the x86 lab's). Guest only: the device's message reached the guest without the
 * host's handler — posted interrupts (VT-d PI, AMD AVIC with its IOMMU), GICv4 direct injection of vLPIs, or KVM's
 * irqfd bypass delivering directly; the host counters stay flat by design, and that is reported as a fact, never as
 * a failure. Host only: the host took interrupts the guest never counted (the guest judged it failed anyway).
 *
 * @param vectors the device's vfio rows on the host (before or after the workload)
 * @param fired   how many of them moved
 * @param delta   their total movement
 * @param kinds   which kinds of row the device had: {@code msix}, {@code msi}, {@code intx}
 * @param moved   {@code both}, {@code guest}, {@code host} or {@code neither}; null when the host side is unknown
 * @param note    a sentence for a person; the reason when the host side is unknown
 */
public record HostInterruptSide(int vectors, int fired, long delta, List<String> kinds, String moved, String note) {
    public static final String BOTH = "both";
    public static final String GUEST = "guest";
    public static final String HOST = "host";
    public static final String NEITHER = "neither";

    private static final Pattern VFIO_ROW =
            Pattern.compile("vfio-(msix|msi)\\[\\d+\\]\\((.+)\\)|vfio-(intx)\\((.+)\\)");

    public HostInterruptSide {
        kinds = kinds == null ? List.of() : List.copyOf(kinds);
    }

    /** The host side could not be read; {@code why} says so. */
    public static HostInterruptSide unknown(String why) {
        return new HostInterruptSide(0, 0, 0, List.of(), null, why);
    }

    /** Whether {@code row} is one of vfio-pci's rows for the device at {@code bdf} (e.g. {@code 0000:01:00.0}). */
    static String kindOf(InterruptRow row, String bdf) {
        for (String action : row.actionNames()) {
            Matcher m = VFIO_ROW.matcher(action);
            if (m.matches()) {
                String kind = m.group(1) != null ? m.group(1) : m.group(3);
                String dev = m.group(2) != null ? m.group(2) : m.group(4);
                if (dev.equals(bdf)) {
                    return kind;
                }
            }
        }
        return null;
    }

    /**
     * Judges the host side of device {@code bdf} from the host's snapshots around the workload, given how many
     * interrupts the guest counted for it over the same time.
     */
    public static HostInterruptSide of(String bdf, String hostBefore, String hostAfter, long guestDelta) {
        if (hostBefore == null || hostAfter == null) {
            return unknown("the host's /proc/interrupts was not read");
        }
        InterruptDiff diff;
        try {
            diff = InterruptDiff.between(ProcInterrupts.parse(hostBefore), ProcInterrupts.parse(hostAfter))
                    .select(r -> kindOf(r, bdf) != null);
        } catch (InterruptFormatException e) {
            return unknown("the host's /proc/interrupts could not be read: " + e.getMessage());
        }
        TreeSet<String> kinds = new TreeSet<>();
        diff.rows().forEach(d -> kinds.add(kindOf(d.after(), bdf)));
        diff.vanished().forEach(r -> kinds.add(kindOf(r, bdf)));
        int vectors = diff.rows().size() + diff.vanished().size();
        int fired = (int) diff.rows().stream().filter(d -> d.delta() > 0).count();
        long delta = diff.rows().stream().mapToLong(d -> Math.max(0, d.delta())).sum();
        boolean host = delta > 0;
        boolean guest = guestDelta > 0;
        String moved = host && guest ? BOTH : guest ? GUEST : host ? HOST : NEITHER;
        String note;
        if (vectors == 0) {
            note = "no vfio rows for " + bdf + " in the host's /proc/interrupts (its VMM set up no interrupts through "
                    + "vfio-pci)";
        } else if (moved.equals(BOTH)) {
            note = "the host's vfio-pci handler took them (" + fired + " of " + vectors + " vfio rows moved, delta "
                    + delta + ") and KVM injected them";
        } else if (moved.equals(GUEST)) {
            note = "host vfio rows flat while the guest counted " + guestDelta + ": delivered without the host's "
                    + "handler (posted interrupts, GICv4 direct injection, or KVM's irqfd bypass) — not a failure";
        } else if (moved.equals(HOST)) {
            note = "the host took " + delta + " interrupts the guest never counted";
        } else {
            note = "neither side moved";
        }
        return new HostInterruptSide(vectors, fired, delta, List.copyOf(kinds), moved, note);
    }

    /** A short cell for the report table: {@code both 12}, {@code guest only}, {@code -}. */
    public String cell() {
        if (moved == null) {
            return "?";
        }
        if (vectors == 0) {
            return "no rows";
        }
        return moved.equals(BOTH) || moved.equals(HOST) ? moved + " " + delta : "flat";
    }
}
