package dev.vmlaunch.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes kernel messages out of console lines. The kernel writes printk records to the console device directly,
 * between any two bytes of what the shell writes through the tty, so {@code "  24:   5  ITS-MSI"} can reach us as
 * {@code "  24:   5 [   12.345678] e1000e: eth0 NIC Link is Up"} followed by {@code " ITS-MSI"}. A record starts
 * with its timestamp ({@code [%5lu.%06lu]}, CONFIG_PRINTK_TIME, on in every distribution kernel) and ends with its
 * own line end: the part before the timestamp is joined to the next line again. Without timestamps a split line
 * stays split (and a table row broken that way is skipped by the tolerant parser, never misread).
 */
final class KernelLines {
    private static final Pattern TIMESTAMP = Pattern.compile("\\[\\s*\\d{1,10}\\.\\d{6}\\]");
    /** The start of a timestamp cut off by the end of what came so far: {@code "["}, {@code "[   12.3"}. */
    private static final Pattern TIMESTAMP_START = Pattern.compile("\\[\\s*(\\d{1,10}(\\.\\d{0,6})?)?$");

    private final StringBuilder carry = new StringBuilder();
    private final int maxCarry;

    KernelLines(int maxCarry) {
        this.maxCarry = maxCarry;
    }

    /** A line from {@link ConsoleLines}; returns zero or one line of the shell's own output. */
    List<String> accept(String line) {
        Matcher m = TIMESTAMP.matcher(line);
        if (m.find()) {
            carry.append(line, 0, m.start());
            if (carry.length() > maxCarry) {
                // Kernel lines forever after a cut-off line: give the part back rather than grow.
                return List.of(take());
            }
            return List.of();
        }
        if (carry.isEmpty()) {
            return List.of(line);
        }
        carry.append(line);
        return List.of(take());
    }

    /**
     * An unfinished line without the kernel message it may end in (whole timestamp, or one cut off so far): what
     * the shell itself printed on it. A prompt followed by half a printk record is still just the prompt.
     */
    static String shellPart(String unfinished) {
        Matcher m = TIMESTAMP.matcher(unfinished);
        if (m.find()) {
            return unfinished.substring(0, m.start());
        }
        int open = unfinished.lastIndexOf('[');
        if (open >= 0
                && TIMESTAMP_START
                        .matcher(unfinished)
                        .region(open, unfinished.length())
                        .lookingAt()) {
            return unfinished.substring(0, open);
        }
        return unfinished;
    }

    /** What waits to be joined, as the line's start so far (a prompt cut by a kernel message). */
    String pending() {
        return carry.toString();
    }

    private String take() {
        String s = carry.toString();
        carry.setLength(0);
        return s;
    }

    static boolean isKernelLine(String line) {
        return TIMESTAMP.matcher(line).find();
    }

    static List<String> heal(List<String> lines) {
        KernelLines k = new KernelLines(Integer.MAX_VALUE);
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.addAll(k.accept(l));
        }
        if (!k.pending().isEmpty()) {
            out.add(k.pending());
        }
        return out;
    }
}
