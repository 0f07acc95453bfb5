package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;

/**
 * One {@code attach} or {@code detach} of a guest at a time: two would pick the same free slot, or give a device
 * back while the other still plugs it in. Not waited for: the other may be waiting out a guest that ignores an
 * unplug request, so the second is refused at once and says why.
 */
public final class HotplugLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private HotplugLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static HotplugLock acquire(GuestDir dir) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(dir.hotplugLock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l != null) {
                return new HotplugLock(ch, l);
            }
        } catch (OverlappingFileLockException e) {
            // Held in this JVM.
        } catch (IOException e) {
            close(ch);
            throw VmlaunchException.failure("cannot lock " + dir.hotplugLock() + ": " + e.getMessage());
        }
        close(ch);
        throw VmlaunchException.failure("another 'vmlaunch attach' or 'detach' of \"" + dir.name()
                + "\" is under way; try again when it has finished");
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // Closing the channel drops it anyway.
        }
        close(channel);
    }

    private static void close(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // Nothing held.
            }
        }
    }
}
