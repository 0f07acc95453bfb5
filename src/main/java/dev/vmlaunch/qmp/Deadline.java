package dev.vmlaunch.qmp;

import java.time.Duration;

/** A point in monotonic time that several waits share, so that one overall timeout bounds them all. */
final class Deadline {
    private final long deadlineNanos;

    private Deadline(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    static Deadline after(Duration timeout) {
        return new Deadline(System.nanoTime() + saturatedNanos(timeout));
    }

    Duration remaining() {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    boolean expired() {
        return deadlineNanos - System.nanoTime() <= 0;
    }

    /** Durations beyond ~292 years would overflow {@code toNanos()}; no caller means a wait that long. */
    static long saturatedNanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    /** "2.5s", "300ms": for messages a user reads. */
    static String describe(Duration timeout) {
        long millis = timeout.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis % 1000 == 0) {
            return (millis / 1000) + "s";
        }
        return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
