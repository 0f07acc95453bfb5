package dev.vmlaunch.harness;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * A console's output as the console driver reads it: bytes in chunks split anywhere, made into clean lines
 * ({@link ConsoleLines}), kernel messages taken out ({@link KernelLines}), the shell's lines handed to the fenced
 * block being waited for, and the last few lines kept for messages. Bounded: one partial line, one carried line
 * start and {@link #TAIL_LINES} short lines, whatever the guest prints.
 */
final class ConsoleStream {
    static final int TAIL_LINES = 8;
    /** A prompt is short: matching only the end keeps a guest's endless line from feeding a slow pattern. */
    static final int PROMPT_WINDOW = 256;

    private final ConsoleLines lines = new ConsoleLines();
    private final KernelLines kernel = new KernelLines(ConsoleLines.MAX_LINE);
    private final Deque<String> tail = new ArrayDeque<>();
    private long fed;

    /** Feeds {@code n} bytes of {@code b}; the block of {@code reader} (when given) once its end arrived. */
    Optional<FencedBlockReader.Block> feed(byte[] b, int n, FencedBlockReader reader)
            throws FencedBlockReader.BadBlock {
        fed += n;
        Optional<FencedBlockReader.Block> done = Optional.empty();
        for (String raw : lines.feed(b, 0, n)) {
            remember(raw);
            for (String l : kernel.accept(raw)) {
                if (reader != null && done.isEmpty()) {
                    done = reader.accept(l);
                }
            }
        }
        return done;
    }

    /** How many bytes came so far: a prompt already answered is not answered again until more arrive. */
    long fed() {
        return fed;
    }

    /**
     * The end of the unfinished last line, where a prompt waits: a kernel message that cut it, or that it ends in
     * so far, is left out, so a console busy with kernel messages alone stays quiet at its prompt.
     */
    String lastChars() {
        String s = kernel.pending() + KernelLines.shellPart(lines.partial());
        return s.length() <= PROMPT_WINDOW ? s : s.substring(s.length() - PROMPT_WINDOW);
    }

    /** The last non-blank lines (kernel messages included) and the unfinished one, each clipped, for messages. */
    List<String> lastLines() {
        List<String> out = new ArrayList<>(tail);
        String p = lines.partial();
        if (!p.isBlank()) {
            out.add(Irqs.clip(p));
        }
        return out;
    }

    private void remember(String raw) {
        if (raw.isBlank()) {
            return;
        }
        tail.addLast(Irqs.clip(raw));
        while (tail.size() > TAIL_LINES) {
            tail.removeFirst();
        }
    }
}
