package dev.vmlaunch.supervise;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Caps a guest's logs. The state folder is RAM (tmpfs under /run) and the guest decides how much it prints, so each
 * log keeps at most {@link #CAP} bytes in {@code NAME} and the {@link #CAP} before them in {@code NAME.1}; older
 * output is dropped.
 *
 * <p>Two ways, after who writes the file: a file only vmlaunch writes (events.jsonl) is renamed to {@code .1} and
 * started anew ({@link #renameIfOver}). A file the VMM writes through its own descriptor (QEMU's console
 * {@code logfile}, kvmtool's stdout, the VMM's stderr) cannot be renamed away, the VMM would go on writing to the
 * renamed file; it is copied to {@code .1} and truncated ({@link #copyTruncateIfOver}). The VMM opened it with
 * O_APPEND, so its next write lands at the new start; what it writes between the copy and the truncate (a few
 * microseconds) is lost.
 */
public final class LogRotation {
    /** 4 MiB: a whole boot log many times over, small next to a guest's RAM. */
    public static final long CAP = 4L * 1024 * 1024;

    private LogRotation() {}

    /** {@code console.log} → {@code console.log.1}. */
    public static Path rotated(Path log) {
        return log.resolveSibling(log.getFileName() + ".1");
    }

    /** The size of a regular file (0 when absent, or when it is not a regular file, which we never rotate). */
    static long size(Path f) {
        try {
            return Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) ? Files.size(f) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** For a file only we append to: renames it to {@code .1} once it holds {@code cap} bytes or more. */
    public static boolean renameIfOver(Path log, long cap) throws IOException {
        if (size(log) < cap) {
            return false;
        }
        Files.move(log, rotated(log), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /**
     * For a file another process appends to: copies it to {@code .1} (through a temporary name, so that readers see
     * the old {@code .1} or the new one, whole) and truncates it, once it holds {@code cap} bytes or more.
     * {@code .1} is renamed into place before the truncate, so a reader that sees the file shrink finds its
     * remainder in {@code .1}.
     */
    public static boolean copyTruncateIfOver(Path log, long cap) throws IOException {
        if (size(log) < cap) {
            return false;
        }
        Path tmp = log.resolveSibling(log.getFileName() + ".1.tmp");
        try (FileChannel in = FileChannel.open(
                        log, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                FileChannel out = FileChannel.open(
                        tmp,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        LinkOption.NOFOLLOW_LINKS)) {
            long copied = 0;
            // Whole, so that .1 holds the same bytes at the same offsets as the file did (LogsCommand.FileTail reads
            // on from where it was); catching up with a writer that goes on meanwhile a few times at most.
            for (int round = 0; round < 4 && copied < in.size(); round++) {
                long end = in.size();
                while (copied < end) {
                    copied += in.transferTo(copied, end - copied, out);
                }
            }
            Files.move(tmp, rotated(log), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            in.truncate(0);
        } catch (NoSuchFileException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
        return true;
    }

    /** How often the VMM-written logs are looked at: what a guest can print in this time is the overshoot. */
    static final java.time.Duration CHECK_EVERY = java.time.Duration.ofMillis(500);

    /**
     * Keeps {@code logs} (written by the VMM) under {@code cap} until {@code ended} completes, in a daemon thread.
     */
    public static Thread watch(
            java.util.List<Path> logs,
            long cap,
            java.util.concurrent.CompletableFuture<?> ended,
            java.util.function.Consumer<String> log) {
        Thread t = new Thread(
                () -> {
                    while (true) {
                        for (Path f : logs) {
                            try {
                                copyTruncateIfOver(f, cap);
                            } catch (IOException e) {
                                log.accept("cannot rotate " + f + ": " + e.getMessage());
                            }
                        }
                        try {
                            ended.get(CHECK_EVERY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                            return;
                        } catch (java.util.concurrent.TimeoutException e) {
                            // Look again.
                        } catch (InterruptedException e) {
                            return;
                        } catch (java.util.concurrent.ExecutionException e) {
                            return;
                        }
                    }
                },
                "vmlaunch-log-rotation");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Removes an earlier run's {@code .1} (a new run starts its logs from nothing). */
    public static void removeRotated(Path log) {
        try {
            Files.deleteIfExists(rotated(log));
        } catch (IOException e) {
            // A leftover .1 only shows old output first.
        }
    }
}
