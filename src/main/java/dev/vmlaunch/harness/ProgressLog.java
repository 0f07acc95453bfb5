package dev.vmlaunch.harness;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;

/** Progress lines stamped with the time since the run started, on the terminal and (inside the lab host) in a file. */
public final class ProgressLog implements Consumer<String> {
    private final Instant t0;
    private final PrintWriter out;
    private final Path file;

    /** {@code out} or {@code file} may be null. */
    public ProgressLog(Instant t0, PrintWriter out, Path file) {
        this.t0 = t0;
        this.out = out;
        this.file = file;
    }

    @Override
    public synchronized void accept(String line) {
        if (out != null) {
            out.printf(
                    Locale.ROOT,
                    "[%5.1f s] %s%n",
                    Duration.between(t0, Instant.now()).toMillis() / 1000.0,
                    line);
            out.flush();
        }
        if (file != null) {
            try {
                Files.writeString(
                        file,
                        line + "\n",
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND,
                        StandardOpenOption.SYNC);
            } catch (IOException e) {
                // The terminal copy is what a person reads; the file is for the outer vmlaunch.
            }
        }
    }
}
