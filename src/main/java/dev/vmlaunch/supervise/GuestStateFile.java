package dev.vmlaunch.supervise;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.state.AtomicWrite;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reading and writing {@code state.json}. A write goes to a temp file that is synced and renamed over the old one,
 * so a reader (or a crash) sees the old state or the new one, never half. Reading never throws: an unreadable file
 * is a {@link Read#broken} result that {@code list} shows as such.
 */
public final class GuestStateFile {

    /** What reading found: a state, nothing, or a file that is not a valid state (with the reason). */
    public record Read(GuestState state, String brokenReason) {
        public static Read missing() {
            return new Read(null, null);
        }

        public boolean present() {
            return state != null;
        }

        public boolean broken() {
            return brokenReason != null;
        }
    }

    /** A state is well under a KiB; anything this large was not written by vmlaunch, and is not read whole. */
    static final int MAX_BYTES = 256 * 1024;

    /**
     * How long the open and the read of one state file may take. A regular file takes microseconds; only a FIFO
     * (or the like) swapped in between the check and the open can block, and that must not hang {@code list}.
     */
    static final Duration IO_DEADLINE = Duration.ofSeconds(5);

    // Daemon threads: an open that blocks (a FIFO swapped in after the check) must not keep the JVM up.
    private static final class Io {
        static final ExecutorService POOL = Executors.newCachedThreadPool(new DaemonThreads());
    }

    private static final class DaemonThreads implements ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "vmlaunch-state-read");
            t.setDaemon(true);
            return t;
        }
    }

    private GuestStateFile() {}

    public static void write(Path file, GuestState state) throws IOException {
        AtomicWrite.replace(file, GuestStateJson.write(state));
    }

    /**
     * Reads {@code file} as others may have left it: a symlink is not followed (O_NOFOLLOW), anything but a regular
     * file is refused before it is opened, and the open and read run under {@link #IO_DEADLINE}, so a FIFO cannot
     * block the reader; at most {@link #MAX_BYTES} are read.
     */
    public static Read read(Path file) {
        Duration deadline = IO_DEADLINE;
        String name = file.getFileName().toString();
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Read.missing();
        } catch (IOException e) {
            return broken("cannot read " + name + ": " + e.getMessage());
        }
        if (!a.isRegularFile()) {
            return broken(name + " is " + kind(a) + ", not a regular file");
        }
        if (a.size() > MAX_BYTES) {
            return broken(tooLarge(name));
        }
        byte[] bytes;
        try {
            bytes = readCapped(file, deadline);
        } catch (NoSuchFileException e) {
            return Read.missing();
        } catch (IOException e) {
            return broken("cannot read " + name + ": " + e.getMessage());
        }
        if (bytes == null) {
            return broken(name + " could not be read within " + deadline.toMillis()
                    + " ms (a FIFO put there after it was checked?)");
        }
        if (bytes.length > MAX_BYTES) {
            return broken(tooLarge(name));
        }
        if (bytes.length == 0) {
            return broken(name + " is empty");
        }
        GuestState s;
        try {
            s = GuestStateJson.read(bytes);
        } catch (JsonProcessingException e) {
            return broken(name + " is not valid: " + firstLine(e.getOriginalMessage()));
        } catch (IOException | RuntimeException e) {
            return broken(name + " is not valid: " + firstLine(String.valueOf(e.getMessage())));
        }
        String problem = validate(s);
        return problem == null ? new Read(s, null) : broken(name + " " + problem);
    }

    private static Read broken(String reason) {
        return new Read(null, reason);
    }

    private static String tooLarge(String name) {
        return name + " is larger than " + (MAX_BYTES >> 10) + " KiB";
    }

    /** What a file that is not a regular one is, in words (the JDK calls FIFOs, sockets and devices "other"). */
    private static String kind(BasicFileAttributes a) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isDirectory()) {
            return "a directory";
        }
        return "a FIFO, socket or device node";
    }

    /**
     * The first {@code MAX_BYTES + 1} bytes of the file, opened without following a link and read on a daemon
     * thread; null when that took longer than {@code deadline}.
     */
    static byte[] readCapped(Path file, Duration deadline) throws IOException {
        Future<byte[]> f = Io.POOL.submit(new CappedRead(file));
        try {
            return f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return null;
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading " + file);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(String.valueOf(c), c);
        }
    }

    private static final class CappedRead implements Callable<byte[]> {
        private final Path file;

        CappedRead(Path file) {
            this.file = file;
        }

        @Override
        public byte[] call() throws IOException {
            try (SeekableByteChannel ch =
                    Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                // lseek(2) of what was opened: a FIFO, socket or terminal put there after the check (and opened
                // because someone holds its other end) fails here with ESPIPE instead of blocking the read.
                ch.position();
                return Channels.newInputStream(ch).readNBytes(MAX_BYTES + 1);
            }
        }
    }

    /** Fields everything else relies on; a file without them is as broken as a truncated one. */
    private static String validate(GuestState s) {
        if (s == null) {
            return "holds null";
        }
        if (s.name() == null || s.name().isEmpty()) {
            return "has no name";
        }
        if (VmmDrivers.named(s.vmm()).isEmpty()) {
            return "has an unknown vmm: " + s.vmm();
        }
        if (s.lifecycle().isEmpty()) {
            return "has an unknown state: " + s.state();
        }
        if (s.since() == null) {
            return "has no 'since'";
        }
        if ((s.pid() == null) != (s.pidStart() == null)) {
            return "has a pid without its start time";
        }
        return null;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
