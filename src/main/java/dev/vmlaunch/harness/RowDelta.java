package dev.vmlaunch.harness;

import java.util.List;

/**
 * How one row of AFTER changed since BEFORE.
 *
 * @param before      the same interrupt source in BEFORE, or null when the row is new (counted from zero)
 * @param after       the row as it is now
 * @param perCpuDelta one entry per count of {@code after} (per CPU of the AFTER table, or the single value)
 * @param delta       the sum of {@code perCpuDelta}; negative when a counter went backwards (a reset)
 */
public record RowDelta(InterruptRow before, InterruptRow after, List<Long> perCpuDelta, long delta) {

    public RowDelta {
        perCpuDelta = List.copyOf(perCpuDelta);
    }

    public boolean isNew() {
        return before == null;
    }

    /** Some counter went backwards: the kernel reset it, or BEFORE and AFTER are not from the same boot. */
    public boolean isReset() {
        return perCpuDelta.stream().anyMatch(d -> d < 0);
    }

    /** New with any count, or any counter moved (in either direction, even if the moves cancel out). */
    public boolean changed() {
        return perCpuDelta.stream().anyMatch(d -> d != 0);
    }
}
