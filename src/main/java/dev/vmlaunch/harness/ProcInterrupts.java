package dev.vmlaunch.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code /proc/interrupts} as x86 and arm64 kernels print it.
 *
 * <p>The layout, from kernel/irq/proc.c {@code show_interrupts()} (and its 2025 rewrite
 * {@code irq_seq_show()}): a header of {@code CPUn} columns for the online CPUs, then one row per IRQ:
 * {@code "%*d:"}, one count per online CPU, the chip ({@code irq_print_chip()} or {@code " %8s"} of its
 * name, left-aligned in newer kernels), the hwirq when the IRQ has a domain, {@code " %-8s"} of
 * Edge/Level only with GENERIC_IRQ_SHOW_LEVEL (arm64, not x86), {@code "-%-8s"} of the flow handler name
 * when it has one (x86: {@code 1048576-edge}), then the action names joined by ", ". After the numbered
 * rows the architecture adds its own: x86 {@code NMI LOC SPU ... PIW} with a description after the counts
 * and {@code ERR}/{@code MIS} with a single system-wide value (per-CPU with a description since the 2025
 * rework), arm64 {@code IPI0..IPIn} with descriptions, 32-bit arm {@code Err} with a single value.
 *
 * <p>Blank lines and trailing whitespace (including a CR) are ignored. Anything else that does not fit is an
 * error naming its line: a snapshot that silently lost rows would make an interrupt test pass or fail for
 * the wrong reason. A row whose number of counts differs from the header is one such error (the online CPU
 * set changed while the file was read; take the snapshot again).
 */
public final class ProcInterrupts {
    private static final Pattern HEADER_CPU = Pattern.compile("CPU(\\d+)");
    private static final Pattern ROW = Pattern.compile("\\s*([^\\s:]+):(.*)");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    /** x86 without GENERIC_IRQ_SHOW_LEVEL: hwirq and flow handler glued, e.g. "1048576-edge" or "-virq". */
    private static final Pattern HWIRQ_FLOW = Pattern.compile("(\\d*)-(\\S+)");

    private static final Pattern LEVEL_COLUMN = Pattern.compile("Edge|Level");
    private static final Pattern FLOW = Pattern.compile("-(\\S+)");
    /** Chip names may hold spaces (powerpc's "CPM PIC"); look this far for the hwirq/trigger column. */
    private static final int MAX_CHIP_WORDS = 3;

    /**
     * The kernel's own limit: CONFIG_NR_CPUS is at most 8192 (x86 MAXSMP, powerpc, sparc; arm64 stops at 4096).
     * A header with more columns is not a /proc/interrupts, and a guest could write one to make us work.
     */
    public static final int MAX_CPUS = 8192;
    /**
     * A real file is rows × CPUs × ~11 bytes: a 256-CPU machine with 1000 IRQs is about 3 MiB. The snapshots
     * come from a guest's share, so they are cut off here, before anything is parsed.
     */
    public static final int MAX_BYTES = 32 * 1024 * 1024;

    private ProcInterrupts() {}

    /** Reads (at most {@link #MAX_BYTES}) and parses a file; format errors name the file. */
    public static InterruptTable read(Path file) throws IOException, InterruptFormatException {
        String text = readCapped(file);
        try {
            return parse(text);
        } catch (InterruptFormatException e) {
            throw e.in(file.toString());
        }
    }

    /**
     * A snapshot's text, refused when it is larger than {@link #MAX_BYTES} (without reading more than that).
     * Does not follow a symlink in the last component: the file may sit in a guest's share.
     */
    public static String readCapped(Path file) throws IOException {
        // A FIFO would block the open forever, a device could be endless: regular files only.
        if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + ": not a regular file");
        }
        try (java.io.InputStream in = Files.newInputStream(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            byte[] b = in.readNBytes(MAX_BYTES + 1);
            if (b.length > MAX_BYTES) {
                throw new IOException(
                        file + ": larger than " + (MAX_BYTES >> 20) + " MiB, not a /proc/interrupts snapshot");
            }
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    public static InterruptTable parse(String text) throws InterruptFormatException {
        if (text.length() > MAX_BYTES) {
            throw new InterruptFormatException(
                    null, 1, "larger than " + (MAX_BYTES >> 20) + " MiB, not a /proc/interrupts snapshot");
        }
        String[] lines = text.split("\n", -1);
        List<Integer> cpus = null;
        List<InterruptRow> rows = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].stripTrailing();
            if (line.isBlank()) {
                continue;
            }
            if (cpus == null) {
                cpus = header(line, lineNo);
                continue;
            }
            InterruptRow row = row(line, lineNo, cpus.size());
            if (!seen.add(row.irq())) {
                throw new InterruptFormatException(null, lineNo, "IRQ " + row.irq() + " appears a second time");
            }
            rows.add(row);
        }
        if (cpus == null) {
            throw new InterruptFormatException(null, 1, "empty: no CPU header line");
        }
        return new InterruptTable(cpus, rows);
    }

    /**
     * The lines of {@code text} that {@link #parse} reads as a table: the first CPU header line and every line after
     * it that parses as a row of that header, in order; everything else (a kernel message printed into a console
     * snapshot, a prompt, a row cut short) is left out. For snapshots taken over a console only: a file's snapshot
     * must parse whole, since one from a share that silently lost rows would be misjudged. A duplicate IRQ is kept,
     * so that {@link #parse} still refuses it.
     */
    public static String tableLines(String text) {
        StringBuilder out = new StringBuilder();
        int cpus = -1;
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = raw.stripTrailing();
            if (line.isBlank()) {
                continue;
            }
            try {
                if (cpus < 0) {
                    cpus = header(line, lineNo).size();
                } else {
                    row(line, lineNo, cpus);
                }
                out.append(line).append('\n');
            } catch (InterruptFormatException e) {
                // Not part of the table: skipped.
            }
        }
        return out.toString();
    }

    private static List<Integer> header(String line, int lineNo) throws InterruptFormatException {
        List<Integer> cpus = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (String token : line.strip().split("\\s+")) {
            if (cpus.size() == MAX_CPUS) {
                throw new InterruptFormatException(
                        null,
                        lineNo,
                        "the CPU header lists more than " + MAX_CPUS
                                + " CPUs (the kernel's limit): not a /proc/interrupts");
            }
            Matcher m = HEADER_CPU.matcher(token);
            if (!m.matches() || m.group(1).length() > 9) {
                throw new InterruptFormatException(
                        null,
                        lineNo,
                        "expected the CPU header (CPU0 CPU1 ...), found '" + abbreviate(line.strip()) + "'");
            }
            int cpu = Integer.parseInt(m.group(1));
            if (!seen.add(cpu)) {
                throw new InterruptFormatException(null, lineNo, "CPU" + cpu + " appears twice in the header");
            }
            cpus.add(cpu);
        }
        return cpus;
    }

    private static InterruptRow row(String line, int lineNo, int cpuCount) throws InterruptFormatException {
        Matcher m = ROW.matcher(line);
        if (!m.matches()) {
            throw new InterruptFormatException(
                    null, lineNo, "not an interrupt row (no 'IRQ:' first column): '" + abbreviate(line.strip()) + "'");
        }
        String irq = m.group(1);
        List<Token> tokens = Token.split(m.group(2), m.start(2));
        int n = 0;
        List<Long> counts = new ArrayList<>();
        while (n < tokens.size() && DIGITS.matcher(tokens.get(n).text).matches()) {
            counts.add(count(tokens.get(n).text, irq, lineNo));
            n++;
        }
        List<Token> tail = tokens.subList(n, tokens.size());
        boolean numbered = DIGITS.matcher(irq).matches();
        if (!numbered) {
            String description = tail.isEmpty() ? null : line.substring(tail.get(0).start);
            if (counts.size() == 1 && description == null) {
                return new InterruptRow(irq, null, null, null, null, counts, false);
            }
            requireCounts(irq, counts.size(), cpuCount, lineNo);
            return new InterruptRow(irq, null, null, null, description, counts, true);
        }
        requireCounts(irq, counts.size(), cpuCount, lineNo);
        if (tail.isEmpty()) {
            throw new InterruptFormatException(null, lineNo, "IRQ " + irq + " has no chip column");
        }
        return numberedRow(irq, counts, line, tail);
    }

    private static InterruptRow numberedRow(String irq, List<Long> counts, String line, List<Token> tail) {
        int k = 1;
        while (k < tail.size() && k <= MAX_CHIP_WORDS && !startsHwirqColumn(tail.get(k).text)) {
            k++;
        }
        if (k >= tail.size() || k > MAX_CHIP_WORDS) {
            k = 1; // no hwirq/trigger printed at all: the chip is one word and the rest is the name
        }
        String chip = line.substring(tail.get(0).start, tail.get(k - 1).end());
        String hwirq = null;
        String trigger = null;
        if (k < tail.size()) {
            String t = tail.get(k).text;
            Matcher glued = HWIRQ_FLOW.matcher(t);
            if (glued.matches()) {
                hwirq = glued.group(1).isEmpty() ? null : glued.group(1);
                trigger = glued.group(2);
                k++;
            } else if (DIGITS.matcher(t).matches() || LEVEL_COLUMN.matcher(t).matches()) {
                if (DIGITS.matcher(t).matches()) {
                    hwirq = t;
                    k++;
                }
                if (k < tail.size() && LEVEL_COLUMN.matcher(tail.get(k).text).matches()) {
                    trigger = tail.get(k).text;
                    k++;
                    Matcher flow = k < tail.size() ? FLOW.matcher(tail.get(k).text) : null;
                    if (flow != null && flow.matches()) {
                        trigger = trigger + "-" + flow.group(1);
                        k++;
                    }
                }
            }
        }
        String name = k < tail.size() ? line.substring(tail.get(k).start) : null;
        return new InterruptRow(irq, chip, hwirq, trigger, name, counts, true);
    }

    private static boolean startsHwirqColumn(String token) {
        return DIGITS.matcher(token).matches()
                || HWIRQ_FLOW.matcher(token).matches()
                || LEVEL_COLUMN.matcher(token).matches();
    }

    private static void requireCounts(String irq, int found, int cpuCount, int lineNo) throws InterruptFormatException {
        if (found != cpuCount) {
            throw new InterruptFormatException(
                    null,
                    lineNo,
                    "IRQ " + irq + " has " + found + " count"
                            + (found == 1 ? "" : "s") + " but the header lists " + cpuCount + " CPU"
                            + (cpuCount == 1 ? "" : "s") + " (CPU hotplug while reading? take the snapshot again)");
        }
    }

    private static long count(String digits, String irq, int lineNo) throws InterruptFormatException {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new InterruptFormatException(null, lineNo, "IRQ " + irq + ": count " + digits + " is too large");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** A whitespace-separated word and where it starts in the line, so names keep their inner spacing. */
    private record Token(String text, int start) {
        int end() {
            return start + text.length();
        }

        static List<Token> split(String s, int offset) {
            List<Token> out = new ArrayList<>();
            int i = 0;
            while (i < s.length()) {
                while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
                int start = i;
                while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
                if (i > start) {
                    out.add(new Token(s.substring(start, i), offset + start));
                }
            }
            return out;
        }
    }
}
