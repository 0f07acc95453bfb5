package dev.vmlaunch.harness;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds one command's output in console lines: the lines after {@code BEGIN-<nonce>} and before
 * {@code END-<nonce> <status>}, as {@link ConsoleCommands#fenced} makes the guest print them. The typed command
 * line, which the terminal echoes, holds the nonce but never {@code BEGIN-<nonce>} (the shell joins the two
 * words), so only the command's own output opens the block; the nonce is fresh for every command, so nothing
 * printed before it was typed can close it. The block is capped: more than {@link #MAX_BLOCK} bytes is an error,
 * not a bigger buffer.
 */
final class FencedBlockReader {
    /** Far above a real snapshot of a guest's /proc/interrupts (a 256-CPU guest's is about 3 MiB: see docs). */
    static final int MAX_BLOCK = 1 << 20;

    static final String BEGIN = "vmlaunch-begin";
    static final String END = "vmlaunch-end";
    private static final Pattern NONCE = Pattern.compile("[0-9a-f]{16,64}");
    private static final Pattern STATUS = Pattern.compile("(\\d{1,3})(\\s.*)?");

    /** A block's lines and the status its command ended with. */
    record Block(List<String> lines, int status) {
        Block {
            lines = List.copyOf(lines);
        }

        String text() {
            return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
        }
    }

    /** The guest printed something that cannot be the block (too big, a broken end marker). */
    static final class BadBlock extends Exception {
        BadBlock(String message) {
            super(message);
        }
    }

    private final String begin;
    private final String end;
    private final List<String> lines = new ArrayList<>();
    private boolean open;
    private long bytes;

    FencedBlockReader(String nonce) {
        if (!NONCE.matcher(nonce).matches()) {
            throw new IllegalArgumentException("not a nonce: " + nonce);
        }
        this.begin = BEGIN + "-" + nonce;
        this.end = END + "-" + nonce + " ";
    }

    boolean opened() {
        return open;
    }

    /** One line of the shell's output (kernel messages already taken out); the block once its end arrived. */
    Optional<Block> accept(String line) throws BadBlock {
        if (!open) {
            int b = line.indexOf(begin);
            if (b < 0) {
                return Optional.empty();
            }
            open = true;
            // A line that holds both (printf's output glued to nothing else) cannot happen; if the guest printed
            // one, the rest of that line is looked at as block text.
            line = line.substring(b + begin.length());
            if (line.isEmpty()) {
                return Optional.empty();
            }
        }
        int e = line.indexOf(end);
        if (e < 0) {
            add(line);
            return Optional.empty();
        }
        if (e > 0) {
            // Output without a final newline: the end marker follows it on the same line.
            add(line.substring(0, e));
        }
        String rest = line.substring(e + end.length());
        var m = STATUS.matcher(rest);
        if (!m.matches() || Integer.parseInt(m.group(1)) > 255) {
            throw new BadBlock("its end marker carries no exit status (0-255): '" + Irqs.clip(rest) + "'");
        }
        return Optional.of(new Block(lines, Integer.parseInt(m.group(1))));
    }

    private void add(String line) throws BadBlock {
        bytes += line.getBytes(StandardCharsets.UTF_8).length + 1L;
        if (bytes > MAX_BLOCK) {
            throw new BadBlock("its output is larger than " + (MAX_BLOCK >> 20) + " MiB");
        }
        lines.add(line);
    }
}
