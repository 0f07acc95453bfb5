package dev.vmlaunch.cli;

import dev.vmlaunch.VmlaunchException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes a file so that readers see either the old content or the whole new content, never a part: the bytes go
 * to a temporary file in the same folder, are flushed to disk, and the temporary file is renamed over the target.
 * On any failure the temporary file is removed and the target is left as it was.
 */
public final class AtomicFile {
    private static final Set<PosixFilePermission> NEW_FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFile() {
    }

    public static void write(Path target, byte[] content) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) {
            throw VmlaunchException.usage("cannot write " + target + ": it is a directory");
        }
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        } catch (NoSuchFileException e) {
            throw VmlaunchException.usage("cannot write " + target + ": folder " + dir + " does not exist");
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot write " + target + ": " + reason(e), e);
        }
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            keepOrSetMode(abs, tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw VmlaunchException.failure("cannot write " + target + " atomically: " + reason(e), e);
            }
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot write " + target + ": " + reason(e), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Best effort: the temporary file is hidden and named after the target.
            }
        }
    }

    /** createTempFile makes the file owner-only; an exported file is meant to be read by others (libvirtd, say). */
    private static void keepOrSetMode(Path target, Path tmp) throws IOException {
        try {
            Set<PosixFilePermission> mode = Files.exists(target) ? Files.getPosixFilePermissions(target) : NEW_FILE_MODE;
            Files.setPosixFilePermissions(tmp, mode);
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: its defaults apply.
        }
    }

    private static String reason(IOException e) {
        if (e instanceof FileAlreadyExistsException || e instanceof NoSuchFileException) {
            return e.getClass().getSimpleName() + " " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
