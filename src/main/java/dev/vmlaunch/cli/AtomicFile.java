package dev.vmlaunch.cli;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.state.AtomicWrite;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A file the user asked for (an export, a JUnit report, an installed page), written with {@link AtomicWrite}: readers
 * see the old content or the whole new one. Unlike state files it keeps the target's mode, or 0644 for a new file
 * (libvirtd, a CI or a man reader is meant to read it), and failures are one-line errors for the user.
 */
public final class AtomicFile {
    private static final Set<PosixFilePermission> NEW_FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFile() {}

    public static void write(Path target, byte[] content) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) {
            throw VmlaunchException.usage("cannot write " + target + ": it is a directory");
        }
        if (!Files.isDirectory(dir)) {
            throw VmlaunchException.usage("cannot write " + target + ": folder " + dir + " does not exist");
        }
        try {
            AtomicWrite.replace(abs, content, modeFor(abs));
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot write " + target + ": " + reason(e), e);
        }
    }

    private static Set<PosixFilePermission> modeFor(Path target) {
        try {
            return Files.exists(target) ? Files.getPosixFilePermissions(target) : NEW_FILE_MODE;
        } catch (IOException | UnsupportedOperationException e) {
            return NEW_FILE_MODE;
        }
    }

    private static String reason(IOException e) {
        if (e instanceof FileAlreadyExistsException || e instanceof NoSuchFileException) {
            return e.getClass().getSimpleName() + " " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
