package dev.vmlaunch.harness;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The difference between two snapshots of {@code /proc/interrupts} of the same machine.
 *
 * <p>Rows are matched by IRQ id, chip and hwirq: an IRQ number freed and handed to another device in between
 * shows as one row vanished and one new. A new row counts from zero, as the kernel's counters of a fresh
 * IRQ do. A row missing from AFTER is listed in {@link #vanished()}. A counter that went backwards gives a
 * negative delta; it is kept and flagged by {@link RowDelta#isReset()}, never clamped.
 *
 * <p>CPU hotplug: counts are matched by CPU number, not by column. A CPU that went offline has no column in
 * AFTER, so its share is left out of the delta (rather than read as a drop to zero, which would look like a
 * reset). A CPU that came online counts from zero, like a new row; since the kernel keeps an offline CPU's
 * counters, that can overstate the delta, which is why {@link #cpusAdded()} is reported.
 */
public final class InterruptDiff {
    private final List<Integer> cpus;
    private final List<Integer> cpusAdded;
    private final List<Integer> cpusRemoved;
    private final List<RowDelta> rows;
    private final List<InterruptRow> vanished;

    private InterruptDiff(
            List<Integer> cpus,
            List<Integer> cpusAdded,
            List<Integer> cpusRemoved,
            List<RowDelta> rows,
            List<InterruptRow> vanished) {
        this.cpus = List.copyOf(cpus);
        this.cpusAdded = List.copyOf(cpusAdded);
        this.cpusRemoved = List.copyOf(cpusRemoved);
        this.rows = List.copyOf(rows);
        this.vanished = List.copyOf(vanished);
    }

    public static InterruptDiff between(InterruptTable before, InterruptTable after) {
        Map<String, InterruptRow> old = new HashMap<>();
        before.rows().forEach(r -> old.put(r.irq(), r));
        Map<Integer, Integer> oldColumn = new HashMap<>();
        for (int i = 0; i < before.cpus().size(); i++) {
            oldColumn.put(before.cpus().get(i), i);
        }
        List<RowDelta> deltas = new ArrayList<>();
        Set<String> matched = new java.util.HashSet<>();
        for (InterruptRow now : after.rows()) {
            InterruptRow was = old.get(now.irq());
            if (was != null && !was.sameSourceAs(now)) {
                was = null;
            }
            if (was != null) {
                matched.add(was.irq());
            }
            deltas.add(delta(was, now, after.cpus(), oldColumn));
        }
        List<InterruptRow> gone =
                before.rows().stream().filter(r -> !matched.contains(r.irq())).toList();
        List<Integer> added =
                after.cpus().stream().filter(c -> !before.cpus().contains(c)).toList();
        List<Integer> removed =
                before.cpus().stream().filter(c -> !after.cpus().contains(c)).toList();
        return new InterruptDiff(after.cpus(), added, removed, deltas, gone);
    }

    private static RowDelta delta(
            InterruptRow was, InterruptRow now, List<Integer> cpus, Map<Integer, Integer> oldColumn) {
        List<Long> perCpu = new ArrayList<>(now.counts().size());
        for (int i = 0; i < now.counts().size(); i++) {
            long base = 0;
            if (was != null) {
                if (!now.perCpu()) {
                    base = was.counts().get(0);
                } else {
                    Integer column = oldColumn.get(cpus.get(i));
                    base = column == null ? 0 : was.counts().get(column);
                }
            }
            perCpu.add(now.counts().get(i) - base);
        }
        long sum = perCpu.stream().mapToLong(Long::longValue).sum();
        return new RowDelta(was, now, perCpu, sum);
    }

    /** CPU numbers of the AFTER table; {@link RowDelta#perCpuDelta()} lines up with them. */
    public List<Integer> cpus() {
        return cpus;
    }

    public List<Integer> cpusAdded() {
        return cpusAdded;
    }

    public List<Integer> cpusRemoved() {
        return cpusRemoved;
    }

    /** Every row of AFTER (after any {@link #select}), in file order. */
    public List<RowDelta> rows() {
        return rows;
    }

    /** Rows of BEFORE that AFTER no longer has. */
    public List<InterruptRow> vanished() {
        return vanished;
    }

    public List<RowDelta> changed() {
        return rows.stream().filter(RowDelta::changed).toList();
    }

    public long totalDelta() {
        return rows.stream().mapToLong(RowDelta::delta).sum();
    }

    public boolean anyReset() {
        return rows.stream().anyMatch(RowDelta::isReset);
    }

    /** Rows (and vanished rows) for which {@code which} holds; CPU facts are kept. */
    public InterruptDiff select(Predicate<InterruptRow> which) {
        return new InterruptDiff(
                cpus,
                cpusAdded,
                cpusRemoved,
                rows.stream().filter(d -> which.test(d.after())).toList(),
                vanished.stream().filter(which).toList());
    }

    /** Only rows whose counters moved; vanished rows are kept (they changed too). */
    public InterruptDiff changedOnly() {
        return new InterruptDiff(cpus, cpusAdded, cpusRemoved, changed(), vanished);
    }

    /** The rows of these IRQ numbers, e.g. the ones a device lists in sysfs {@code msi_irqs/}. */
    public InterruptDiff forIrqs(Collection<Integer> irqs) {
        Set<Integer> wanted = Set.copyOf(irqs);
        return select(r -> r.number().isPresent() && wanted.contains(r.number().getAsInt()));
    }

    /** The rows of a device by BDF or interface name; see {@link DeviceName}. */
    public InterruptDiff forDevice(String device) {
        return select(r -> r.belongsTo(device));
    }
}
