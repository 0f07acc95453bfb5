package dev.vmlaunch.supervise;

import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.state.AtomicWrite;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads and atomically replaces {@code hotplug.json} ({@link AttachedDevices}). */
public final class AttachedDevicesFile {
    /** Sixteen slots of records are a few KiB; anything far larger was not written by vmlaunch. */
    static final int MAX_BYTES = 256 * 1024;

    private AttachedDevicesFile() {}

    /** The record; {@link AttachedDevices#NONE} when there is none. */
    public static AttachedDevices read(GuestDir dir) {
        Path file = dir.hotplugFile();
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return AttachedDevices.NONE;
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw VmlaunchException.failure(file + " is not a regular file; remove it");
            }
            byte[] b;
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                b = in.readNBytes(MAX_BYTES + 1);
            }
            if (b.length > MAX_BYTES) {
                throw VmlaunchException.failure(file + " is larger than " + (MAX_BYTES >> 10) + " KiB: not vmlaunch's");
            }
            AttachedDevices a = JsonMappers.mapper().readValue(b, AttachedDevices.class);
            return a == null ? AttachedDevices.NONE : a;
        } catch (NoSuchFileException e) {
            return AttachedDevices.NONE;
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The record, or none when it cannot be read (for list and status, which never fail on a bad file). */
    public static AttachedDevices readQuietly(GuestDir dir) {
        try {
            return read(dir);
        } catch (VmlaunchException e) {
            return AttachedDevices.NONE;
        }
    }

    public static void write(GuestDir dir, AttachedDevices devices) {
        try {
            AtomicWrite.replace(dir.hotplugFile(), JsonMappers.mapper().writeValueAsBytes(devices));
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot write " + dir.hotplugFile() + ": " + e.getMessage());
        }
    }
}
