package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One guest name, one running guest: an exclusive lock on {@code RUNDIR/lock}, held for the guest's whole life.
 * The kernel drops it when the holder dies, so a crash never leaves a stale lock behind.
 */
public final class RunLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static RunLock acquire(Path runDir, String name) {
        Path file = runDir.resolve("lock");
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                String holder = readHolder(ch);
                ch.close();
                throw VmlaunchException.usage("a guest named \"" + name + "\" is already running"
                        + (holder.isEmpty() ? "" : " (supervisor pid " + holder + ")")
                        + ": stop it first, or choose another name");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new RunLock(ch, l);
        } catch (IOException e) {
            throw VmlaunchException.hostNotReady("cannot lock " + file + ": " + e.getMessage());
        }
    }

    private static String readHolder(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The lock dies with the channel anyway.
        }
    }
}
