package dev.vmlaunch.harness;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A parsed {@code /proc/interrupts}: the online CPUs named in the header, and the rows in file order.
 * Per-CPU counts of every row line up with {@link #cpus()}: {@code counts().get(i)} belongs to CPU
 * {@code cpus().get(i)}. CPU numbers need not be contiguous (offline CPUs have no column).
 */
public record InterruptTable(List<Integer> cpus, List<InterruptRow> rows) {

    public InterruptTable {
        cpus = List.copyOf(cpus);
        rows = List.copyOf(rows);
        Map<String, InterruptRow> seen = new LinkedHashMap<>();
        for (InterruptRow r : rows) {
            if (seen.put(r.irq(), r) != null) {
                throw new IllegalArgumentException("IRQ " + r.irq() + " appears twice");
            }
            if (r.perCpu() && r.counts().size() != cpus.size()) {
                throw new IllegalArgumentException(
                        "IRQ " + r.irq() + " has " + r.counts().size() + " counts for " + cpus.size() + " CPUs");
            }
        }
    }

    public int cpuCount() {
        return cpus.size();
    }

    /** The row whose first column is {@code irq} ("20", "LOC", "IPI0"). */
    public Optional<InterruptRow> row(String irq) {
        return rows.stream().filter(r -> r.irq().equals(irq)).findFirst();
    }

    /** Rows whose IRQ number is in {@code irqs}, e.g. the numbers listed in a device's sysfs msi_irqs/. */
    public List<InterruptRow> rowsForIrqs(Collection<Integer> irqs) {
        Set<Integer> wanted = Set.copyOf(irqs);
        return select(r -> r.number().isPresent() && wanted.contains(r.number().getAsInt()));
    }

    /** Rows that belong to a device, by BDF or interface name; see {@link DeviceName}. */
    public List<InterruptRow> rowsForDevice(String device) {
        return select(r -> r.belongsTo(device));
    }

    public List<InterruptRow> select(Predicate<InterruptRow> which) {
        return rows.stream().filter(which).toList();
    }
}
