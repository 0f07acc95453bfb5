package dev.vmlaunch.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Short human durations for tables: 45s, 3m12s, 2h05m, 3d04h. */
final class Durations {
    private Durations() {}

    static String since(String isoInstant, Instant now) {
        if (isoInstant == null) {
            return "-";
        }
        try {
            return format(Duration.between(Instant.parse(isoInstant), now));
        } catch (DateTimeParseException e) {
            return "-";
        }
    }

    static String format(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format("%dd%02dh", s / 86400, (s % 86400) / 3600);
    }
}
