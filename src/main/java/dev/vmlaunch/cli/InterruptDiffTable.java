package dev.vmlaunch.cli;

import dev.vmlaunch.harness.InterruptDiff;
import dev.vmlaunch.harness.InterruptRow;
import dev.vmlaunch.harness.RowDelta;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Terminal rendering of an {@link InterruptDiff}: aligned columns, then notes and a summary line. */
final class InterruptDiffTable {
    /** Beyond this many CPUs with a nonzero delta the per-CPU column is cut short (LOC on a 64-CPU host). */
    static final int MAX_CPUS_SHOWN = 8;

    private static final String[] HEADER = {"IRQ", "CHIP", "HWIRQ", "TRIGGER", "NAME", "DELTA", "PER-CPU", "NOTE"};
    /** Right-aligned: the DELTA column. */
    private static final int NUMERIC_COLUMN = 5;

    private final InterruptDiff diff;
    private final int changedCount;
    private final DeviceVectors vectors;

    /**
     * @param changedCount rows with moved counters in the whole (device-filtered) diff, for the summary
     * @param vectors      the device's vector count when the diff is of one device, else null
     */
    InterruptDiffTable(InterruptDiff diff, int changedCount, DeviceVectors vectors) {
        this.diff = diff;
        this.changedCount = changedCount;
        this.vectors = vectors;
    }

    void print(PrintWriter out) {
        List<String[]> lines = new ArrayList<>();
        lines.add(HEADER);
        for (RowDelta d : diff.rows()) {
            InterruptRow r = d.after();
            lines.add(new String[] {
                r.irq(),
                dash(r.chip()),
                dash(r.hwirq()),
                dash(r.trigger()),
                dash(r.name()),
                Long.toString(d.delta()),
                perCpu(d),
                note(d)
            });
        }
        if (lines.size() > 1) {
            printAligned(out, lines);
        }
        for (InterruptRow r : diff.vanished()) {
            out.println("vanished: " + describe(r) + " (in BEFORE only; its counters are gone)");
        }
        if (!diff.cpusAdded().isEmpty()) {
            out.println("note: CPU " + join(diff.cpusAdded()) + " came online since BEFORE; counted from zero,"
                    + " which overstates deltas if they were online earlier");
        }
        if (!diff.cpusRemoved().isEmpty()) {
            out.println("note: CPU " + join(diff.cpusRemoved()) + " went offline since BEFORE; left out of the deltas");
        }
        List<String> resets = diff.rows().stream()
                .filter(RowDelta::isReset)
                .map(d -> d.after().irq())
                .toList();
        if (!resets.isEmpty()) {
            out.println("warning: counters went backwards for IRQ " + String.join(", ", resets)
                    + " (reset, or the snapshots are from different boots)");
        }
        out.println(summary());
    }

    private String summary() {
        long newRows =
                diff.rows().stream().filter(d -> d.isNew() && d.changed()).count();
        StringBuilder s = new StringBuilder();
        if (vectors != null) {
            s.append(vectors.summary());
        } else {
            s.append(
                    changedCount == 0
                            ? "no rows changed"
                            : changedCount + (changedCount == 1 ? " row" : " rows") + " changed");
        }
        s.append(", total delta ").append(diff.totalDelta());
        if (newRows > 0) {
            s.append(", ").append(newRows).append(" new");
        }
        if (!diff.vanished().isEmpty()) {
            s.append(", ").append(diff.vanished().size()).append(" vanished");
        }
        return s.toString();
    }

    private String perCpu(RowDelta d) {
        if (!d.after().perCpu()) {
            return "-";
        }
        List<String> moved = new ArrayList<>();
        for (int i = 0; i < d.perCpuDelta().size(); i++) {
            long v = d.perCpuDelta().get(i);
            if (v != 0) {
                moved.add("cpu" + diff.cpus().get(i) + (v > 0 ? "+" : "") + v);
            }
        }
        if (moved.isEmpty()) {
            return "-";
        }
        if (moved.size() > MAX_CPUS_SHOWN) {
            int rest = moved.size() - MAX_CPUS_SHOWN;
            moved = new ArrayList<>(moved.subList(0, MAX_CPUS_SHOWN));
            moved.add("(" + rest + " more)");
        }
        return String.join(" ", moved);
    }

    private static String note(RowDelta d) {
        if (d.isReset()) {
            return "RESET";
        }
        return d.isNew() ? "new" : "";
    }

    private static String describe(InterruptRow r) {
        StringBuilder s = new StringBuilder("IRQ ").append(r.irq());
        for (String part : new String[] {r.chip(), r.hwirq(), r.trigger(), r.name()}) {
            if (part != null) {
                s.append(' ').append(part);
            }
        }
        return s.toString();
    }

    private static void printAligned(PrintWriter out, List<String[]> lines) {
        int[] width = new int[HEADER.length];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                width[i] = Math.max(width[i], l[i].length());
            }
        }
        for (String[] l : lines) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < l.length; i++) {
                String cell =
                        i == NUMERIC_COLUMN && l != HEADER ? pad(l[i], width[i], true) : pad(l[i], width[i], false);
                s.append(cell).append(i + 1 < l.length ? "  " : "");
            }
            out.println(s.toString().stripTrailing());
        }
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(width - s.length());
        return right ? fill + s : s + fill;
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static String join(List<Integer> cpus) {
        return cpus.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
