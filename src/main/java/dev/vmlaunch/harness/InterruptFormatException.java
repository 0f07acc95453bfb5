package dev.vmlaunch.harness;

/**
 * A {@code /proc/interrupts} text that does not read as the kernel prints it. Carries the 1-based line
 * number so that a user can look at the offending line; {@link #getMessage()} is
 * {@code SOURCE:LINE: reason} (or {@code line LINE: reason} when the text has no name).
 */
public final class InterruptFormatException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final int line;
    private final String reason;

    public InterruptFormatException(String source, int line, String reason) {
        super((source == null ? "line " : source + ":") + line + ": " + reason);
        this.source = source;
        this.line = line;
        this.reason = reason;
    }

    /** The same error, attributed to a file or other named source. */
    public InterruptFormatException in(String newSource) {
        return new InterruptFormatException(newSource, line, reason);
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
