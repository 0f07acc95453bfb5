package dev.vmlaunch.state;

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
 * Reading a record file (state.json, hotplug.json) from a guest's folder, where the supervisor, the VMM and
 * commands of other users (root reads everyone's) write too: a symlink is never followed (lstat, then O_NOFOLLOW),
 * only a regular file is opened, and the open and the read run on a daemon thread under a deadline, the opened file
 * lseek'd first. So a FIFO there cannot block the reader, whether it is there when checked or swapped in between
 * the check and the open, with or without a writer at its other end. At most {@code max + 1} bytes are read.
 */
public final class RecordFiles {
    /** How long the open and the read of one record may take; a regular file takes microseconds. */
    public static final Duration IO_DEADLINE = Duration.ofSeconds(5);

    // Daemon threads: an open that blocks (a FIFO swapped in after the check) must not keep the JVM up. The pool
    // keeps a thread a minute, so a list of many guests starts one.
    private static final class Io {
        static final ExecutorService POOL = Executors.newCachedThreadPool(new DaemonThreads());
    }

    private static final class DaemonThreads implements ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "vmlaunch-record-read");
            t.setDaemon(true);
            return t;
        }
    }

    /** The file is there but is not read: the message says why, without the file's name ("is a directory, ..."). */
    public static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        RefusedException(String reason) {
            super(reason);
        }
    }

    private RecordFiles() {}

    /**
     * The content of {@code file}: {@link NoSuchFileException} when there is none, {@link RefusedException} when it
     * is not a regular file, is larger than {@code max} bytes or could not be read within {@link #IO_DEADLINE}.
     */
    public static byte[] read(Path file, int max) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            throw new RefusedException("is " + kind(a) + ", not a regular file");
        }
        if (a.size() > max) {
            throw tooLarge(max);
        }
        byte[] bytes = readCapped(file, max, IO_DEADLINE);
        if (bytes == null) {
            throw new RefusedException("could not be read within " + IO_DEADLINE.toSeconds()
                    + " s (a FIFO put there after it was checked?)");
        }
        if (bytes.length > max) {
            throw tooLarge(max);
        }
        return bytes;
    }

    private static RefusedException tooLarge(int max) {
        return new RefusedException("is larger than " + (max >> 10) + " KiB");
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
     * The first {@code max + 1} bytes of the file, opened without following a link and read on a daemon thread;
     * null when that took longer than {@code deadline}. Checks nothing before the open (that is {@link #read}'s).
     */
    static byte[] readCapped(Path file, int max, Duration deadline) throws IOException {
        Future<byte[]> f = Io.POOL.submit(new CappedRead(file, max));
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
        private final int max;

        CappedRead(Path file, int max) {
            this.file = file;
            this.max = max;
        }

        @Override
        public byte[] call() throws IOException {
            try (SeekableByteChannel ch =
                    Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                // lseek(2) of what was opened: a FIFO, socket or terminal put there after the check (and opened
                // because someone holds its other end) fails here with ESPIPE instead of blocking the read.
                ch.position();
                return Channels.newInputStream(ch).readNBytes(max + 1);
            }
        }
    }
}
