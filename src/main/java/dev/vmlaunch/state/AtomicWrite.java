package dev.vmlaunch.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The one way vmlaunch replaces a file so that a reader sees the old content or the new, never half of it, and a
 * crash leaves no torn file: a new temporary file beside the target (unique name, created exclusively, with its final
 * mode from the start), written and fsynced, renamed over the target, then the folder fsynced so the rename is
 * durable too. The temporary file is removed on every failure. (A guest's 9p share is written through
 * harness.ConfinedDir instead, which does the same relative to a directory handle it has checked.)
 */
public final class AtomicWrite {
    /** State and records: only their owner reads them. */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AtomicWrite() {}

    /** Replaces {@code target} with {@code content}, mode 0600. */
    public static void replace(Path target, byte[] content) throws IOException {
        replace(target, content, OWNER_ONLY);
    }

    /** Replaces {@code target} with {@code content}; a new file gets {@code mode} (ignored off POSIX file systems). */
    public static void replace(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        FileAttribute<?>[] attrs =
                FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)}
                        : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp", attrs);
        try {
            // createTempFile applies the umask to the mode; set it exactly (an exported file is for others to read).
            if (attrs.length > 0) {
                Files.setPosixFilePermissions(tmp, mode);
            }
            try (FileChannel ch =
                    FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncFolder(dir);
    }

    /** Makes a rename durable; Linux allows fsync on a folder opened for reading. */
    public static void syncFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // tmpfs (/run) needs no sync; elsewhere the rename itself is still atomic.
        }
    }
}
