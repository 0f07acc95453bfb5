package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One guest name, one running guest: an exclusive lock on {@code RUNDIR/lock}, held by the supervisor for the
 * guest's whole life. The kernel drops it when the holder dies, so a crash never leaves a stale lock behind, and
 * {@code vmlaunch stop} can tell a live supervisor (lock held) from a dead one.
 *
 * <p>The lock is a POSIX record lock, which a process loses when it closes <em>any</em> descriptor of the file. So
 * this process never opens a lock file it already holds: it remembers which it holds.
 */
public final class RunLock implements AutoCloseable {
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock or says who holds it. */
    public static RunLock acquire(Path runDir, String name) {
        return tryAcquire(runDir).orElseThrow(() -> {
            String holder = holder(runDir);
            return VmlaunchException.usage("a guest named \"" + name + "\" is already running"
                    + (holder.isEmpty() ? "" : " (supervisor pid " + holder + ")")
                    + ": stop it first, or choose another name");
        });
    }

    /** The lock, or empty when a live process holds it. */
    public static Optional<RunLock> tryAcquire(Path runDir) {
        Path file = runDir.resolve("lock").toAbsolutePath().normalize();
        if (!HELD_HERE.add(file)) {
            return Optional.empty();
        }
        boolean ok = false;
        try {
            FileChannel ch = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            try {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l == null) {
                    return Optional.empty();
                }
                ch.truncate(0);
                ch.write(
                        ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
                ok = true;
                return Optional.of(new RunLock(file, ch, l));
            } finally {
                if (!ok) {
                    ch.close();
                }
            }
        } catch (IOException e) {
            throw VmlaunchException.hostNotReady("cannot lock " + file + ": " + e.getMessage());
        } finally {
            if (!ok) {
                HELD_HERE.remove(file);
            }
        }
    }

    /** The pid written by the last holder (informational: the lock, not this number, is the truth). */
    static String holder(Path runDir) {
        if (HELD_HERE.contains(runDir.resolve("lock").toAbsolutePath().normalize())) {
            return Long.toString(ProcessHandle.current().pid());
        }
        try {
            return new String(java.nio.file.Files.readAllBytes(runDir.resolve("lock")), StandardCharsets.US_ASCII)
                    .trim();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The lock dies with the channel anyway.
        } finally {
            HELD_HERE.remove(file);
        }
    }
}
