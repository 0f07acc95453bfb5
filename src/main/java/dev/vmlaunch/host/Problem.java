package dev.vmlaunch.host;

/**
 * Something that keeps the host from running a guest (an error) or that the user should know (a warning), with
 * what to do about it. {@code check} prints all of them at once and exits 3 when any is an error.
 */
public record Problem(Severity severity, String message, String remedy) {
    public enum Severity {
        ERROR,
        WARNING
    }

    public static Problem error(String message, String remedy) {
        return new Problem(Severity.ERROR, message, remedy);
    }

    public static Problem warning(String message, String remedy) {
        return new Problem(Severity.WARNING, message, remedy);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** "error: message" and, when there is one, an indented "fix: remedy" line. */
    public String format() {
        String head = (isError() ? "error: " : "warning: ") + message;
        return remedy == null || remedy.isEmpty() ? head : head + "\n  fix: " + remedy;
    }
}
