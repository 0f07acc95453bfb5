package dev.vmlaunch.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Raw mode for the controlling terminal while a console is attached, with {@code stty} (argv, input from
 * /dev/tty), restored on close and on JVM exit. Nothing happens when stdin/stdout are not a terminal.
 */
final class TerminalMode implements AutoCloseable {
    private final String saved;
    private final Thread restoreOnExit;
    private boolean restored;

    private TerminalMode(String saved) {
        this.saved = saved;
        this.restoreOnExit = new Thread(this::restore, "vmlaunch-restore-tty");
        Runtime.getRuntime().addShutdownHook(restoreOnExit);
    }

    /** Raw mode (every key goes to the guest, no echo), or empty when there is no terminal. */
    // SystemConsoleNull: null means "no terminal" on the Java 17 vmlaunch builds and runs on; from Java 22 on it would
    // take Console.isTerminal(), which Java 17 lacks.
    @SuppressWarnings("SystemConsoleNull")
    static Optional<TerminalMode> rawIfTerminal() {
        if (System.console() == null) {
            return Optional.empty();
        }
        try {
            String saved = stty("-g").trim();
            if (saved.isEmpty()) {
                return Optional.empty();
            }
            stty("raw", "-echo");
            return Optional.of(new TerminalMode(saved));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private synchronized void restore() {
        if (restored) {
            return;
        }
        restored = true;
        try {
            stty(saved);
        } catch (IOException e) {
            // The user can type `stty sane`.
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreOnExit);
        } catch (IllegalStateException e) {
            // Exiting: the hook restores.
        }
    }

    private static String stty(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("stty");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectInput(new File("/dev/tty"))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("stty " + String.join(" ", args) + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return out;
    }
}
