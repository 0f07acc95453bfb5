package dev.vmlaunch.harness;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a console's raw bytes into text lines, fed in chunks split anywhere (mid-escape, mid-UTF-8, between CR and
 * LF). A console is what a terminal would show, so: ANSI escape sequences (CSI {@code ESC [ ... final}, OSC
 * {@code ESC ] ... BEL|ESC \}, two-byte {@code ESC x}) are dropped, CR LF, CR CR LF (the tty's echo) and a lone CR (a line
 * editor's redraw) each end one line, and other control bytes except TAB are dropped. A line longer than {@link #MAX_LINE} bytes is
 * cut there, so a guest that never prints a newline costs bounded memory.
 */
final class ConsoleLines {
    /** Longer than any real console line (a /proc/interrupts row of 8192 CPUs is ~90 KiB); a cut, not an error. */
    static final int MAX_LINE = 128 * 1024;

    private enum State {
        TEXT,
        ESC,
        CSI,
        OSC,
        OSC_ESC
    }

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private State state = State.TEXT;
    private boolean afterCr;

    /** Feeds bytes; returns the lines they completed (without their line ends). */
    List<String> feed(byte[] b, int off, int len) {
        List<String> done = new ArrayList<>();
        for (int i = off; i < off + len; i++) {
            int c = b[i] & 0xff;
            boolean wasCr = afterCr;
            afterCr = false;
            switch (state) {
                case TEXT -> {
                    if (c == 0x1b) {
                        state = State.ESC;
                    } else if (c == '\r') {
                        // The tty's echo ends lines with CR CR LF: one line end, as a terminal shows it.
                        if (!wasCr) {
                            done.add(take());
                        }
                        afterCr = true;
                    } else if (c == '\n') {
                        if (!wasCr) {
                            done.add(take());
                        }
                    } else if (c == '\t' || (c >= 0x20 && c != 0x7f)) {
                        line.write(c);
                        if (line.size() >= MAX_LINE) {
                            done.add(take());
                        }
                    }
                }
                case ESC -> state = c == '[' ? State.CSI : c == ']' ? State.OSC : State.TEXT;
                    // Parameter and intermediate bytes are 0x20-0x3f; the final byte is 0x40-0x7e.
                case CSI -> {
                    if ((c >= 0x40 && c <= 0x7e) || c < 0x20) {
                        state = State.TEXT;
                    }
                }
                case OSC -> {
                    if (c == 0x07) {
                        state = State.TEXT;
                    } else if (c == 0x1b) {
                        state = State.OSC_ESC;
                    } else if (c == '\n' || c == '\r') {
                        // A title that never ends must not swallow the rest of the console.
                        state = State.TEXT;
                    }
                }
                case OSC_ESC -> state = c == '\\' ? State.TEXT : State.OSC;
                default -> throw new IllegalStateException();
            }
        }
        return done;
    }

    /** The unfinished line so far (where a prompt sits). */
    String partial() {
        return line.toString(StandardCharsets.UTF_8);
    }

    private String take() {
        String s = line.toString(StandardCharsets.UTF_8);
        line.reset();
        return s;
    }
}
