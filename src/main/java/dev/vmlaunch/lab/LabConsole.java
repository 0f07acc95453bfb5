package dev.vmlaunch.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/** Waits for a test-image guest's ready line in its console log. */
final class LabConsole {
    static final String READY = "vmlaunch: guest ready";
    /** Only the start of a console is read: the ready line comes within the boot messages. */
    private static final int MAX_BYTES = 1 << 20;

    private LabConsole() {}

    /** True once {@code log} holds the ready line; false (with a progress line) after {@code timeout}. */
    static boolean awaitReady(Path log, Duration timeout, Consumer<String> progress) {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (holdsReady(log)) {
                return true;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        progress.accept("no \"" + READY + "\" in " + log + " within " + timeout.toSeconds() + " s");
        return false;
    }

    /** The kernel's panic line in the first MiB of {@code log} ("Kernel panic - not syncing: ..."), or null. */
    static String panic(Path log) {
        try (var in = Files.newInputStream(log, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            String text = new String(in.readNBytes(MAX_BYTES), StandardCharsets.ISO_8859_1);
            int at = text.indexOf("Kernel panic - not syncing");
            if (at < 0) {
                return null;
            }
            int end = text.indexOf('\n', at);
            return text.substring(at, end < 0 ? text.length() : end).strip();
        } catch (IOException e) {
            return null;
        }
    }

    /** The first line of a small file the lab host wrote (at most 4 KiB read), or "?". */
    static String firstLine(Path file) {
        try (var in = Files.newInputStream(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return new String(in.readNBytes(4096), StandardCharsets.UTF_8)
                    .lines()
                    .findFirst()
                    .orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    static boolean holdsReady(Path log) {
        try (var in = Files.newInputStream(log, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return new String(in.readNBytes(MAX_BYTES), StandardCharsets.ISO_8859_1).contains(READY);
        } catch (IOException e) {
            return false;
        }
    }
}
