package dev.vmlaunch.harness;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One line of {@code /proc/interrupts}.
 *
 * <p>Numbered rows ({@code 20: ... ITS-MSI 0 Edge 0000:00:00.0}) carry chip, hwirq and trigger as the kernel
 * printed them; any of the three is null when the kernel printed nothing there. Named rows from the
 * architecture code ({@code NMI}, {@code LOC}, {@code IPI0}, {@code ERR}, {@code Err}) have no chip, hwirq or
 * trigger; their {@code name} is the description ("Local timer interrupts"), null for single-value rows.
 *
 * @param irq     the first column without its colon: "20", "NMI", "IPI0"
 * @param chip    irq chip name as printed: "IR-PCI-MSI", "ITS-MSI", "PCI-MSIX-0000:00:01.0"
 * @param hwirq   hardware irq number in its domain, as printed ("1048576"); null when there is no domain
 * @param trigger arm64 prints "Edge"/"Level"; x86 prints the flow handler glued to the hwirq ("-edge",
 *                "-fasteoi") and we keep "edge", "fasteoi". Both at once appear as "Edge-fasteoi".
 * @param name    the action names (comma-separated when shared), or the description of a named row; null if
 *                nothing was printed (an IRQ with counts but no handler any more)
 * @param counts  one count per CPU column of the table, or a single value when {@code perCpu} is false
 * @param perCpu  false for rows the kernel prints with one system-wide value (x86 ERR/MIS, arm Err)
 */
public record InterruptRow(
        String irq, String chip, String hwirq, String trigger, String name, List<Long> counts, boolean perCpu) {

    public InterruptRow {
        Objects.requireNonNull(irq, "irq");
        counts = List.copyOf(counts);
    }

    /** The IRQ number of a numbered row; empty for NMI, LOC, IPI0 and the like. */
    public OptionalInt number() {
        if (irq.isEmpty() || !irq.chars().allMatch(c -> c >= '0' && c <= '9') || irq.length() > 9) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(irq));
    }

    public long total() {
        long sum = 0;
        for (long c : counts) {
            sum += c;
        }
        return sum;
    }

    /** The individual action names of a shared IRQ ("i8042, snd_hda" gives two). */
    public List<String> actionNames() {
        if (name == null || !number().isPresent()) {
            return List.of();
        }
        return Arrays.stream(name.split(", "))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /**
     * Whether this row belongs to the device called {@code device}: a BDF such as {@code 0000:00:02.0} or a
     * network interface name such as {@code eth0}. See {@link DeviceName#mentions} for the rule.
     */
    public boolean belongsTo(String device) {
        if (number().isEmpty()) {
            return false; // a description such as "Local timer interrupts" names no device
        }
        return DeviceName.mentions(name, device) || DeviceName.mentions(chip, device);
    }

    /** Same interrupt source: same IRQ id, chip and hwirq. Names and counts may differ. */
    boolean sameSourceAs(InterruptRow other) {
        return irq.equals(other.irq)
                && Objects.equals(chip, other.chip)
                && Objects.equals(hwirq, other.hwirq)
                && perCpu == other.perCpu;
    }
}
