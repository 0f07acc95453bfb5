package dev.vmlaunch.driver;

import dev.vmlaunch.console.ConsoleTail;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The last lines a detached VMM printed (vmm.log, or the console.log of a VMM whose terminal is the console). */
public final class VmmOutputTail {
    private static final int LINES = 12;

    private VmmOutputTail() {}

    /** ": line | line (full output: FILE)", or " (it printed nothing; see FILE)"; "" when the file is unreadable. */
    public static String of(Path file) {
        try {
            List<String> lines =
                    ConsoleTail.read(file).map(t -> t.lines().toList()).orElse(List.of());
            Deque<String> tail = new ArrayDeque<>();
            for (String l : lines) {
                if (!l.isBlank()) {
                    tail.addLast(l.trim());
                    if (tail.size() > LINES) {
                        tail.removeFirst();
                    }
                }
            }
            return tail.isEmpty()
                    ? " (it printed nothing; see " + file + ")"
                    : ": "
                            + String.join(
                                    " | ",
                                    tail.stream().map(VmmOutputTail::printable).toList()) + " (full output: " + file
                            + ")";
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The guest's line as it may go into state.json and onto a terminal: no control characters (escapes). */
    public static String printable(String l) {
        StringBuilder b = new StringBuilder(l.length());
        l.chars().forEach(c -> b.append(c < 0x20 || (c >= 0x7f && c < 0xa0) ? '?' : (char) c));
        return b.toString().strip();
    }
}
