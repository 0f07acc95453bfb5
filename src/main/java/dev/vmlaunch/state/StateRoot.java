package dev.vmlaunch.state;

import dev.vmlaunch.Users;
import dev.vmlaunch.VmlaunchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The state directory: {@code $VMLAUNCH_STATE}, else {@code /run/vmlaunch} for root, else
 * {@code $XDG_RUNTIME_DIR/vmlaunch}. Mode 0700: it holds QMP sockets that can stop any guest.
 */
public final class StateRoot {
    /** sun_path is 108 bytes including the terminating NUL. */
    public static final int MAX_SOCKET_PATH = 107;

    private StateRoot() {}

    public static Path resolve(Map<String, String> env) {
        return resolve(env, Users.uid());
    }

    /** The state root for a process with {@code env} and user id {@code uid} (not created). */
    public static Path resolve(Map<String, String> env, long uid) {
        String explicit = env.get("VMLAUNCH_STATE");
        if (explicit != null && !explicit.isEmpty()) {
            return Path.of(explicit).toAbsolutePath().normalize();
        }
        if (uid == 0) {
            return Path.of("/run/vmlaunch");
        }
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg).toAbsolutePath().normalize().resolve("vmlaunch");
        }
        return Path.of(System.getProperty("java.io.tmpdir", "/tmp"))
                .toAbsolutePath()
                .resolve("vmlaunch-" + uid);
    }

    public static Path resolve() {
        return resolve(System.getenv());
    }

    /**
     * Creates {@code dir} (and missing parents) with mode 0700, or checks that an existing one is a real folder
     * owned by this user and closed to others — in a shared /tmp another user could have made it first.
     */
    public static Path ensureDir(Path dir) {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> ownerOnly =
                PosixFilePermissions.fromString("rwx------");
        try {
            try {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(ownerOnly));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // checked below
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw VmlaunchException.hostNotReady(
                        "state folder " + dir + " is not a folder (a symlink or a file is in the way)");
            }
            Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (((Number) owner).longValue() != Users.uid()) {
                throw VmlaunchException.hostNotReady("state folder " + dir + " belongs to another user (uid " + owner
                        + "); set VMLAUNCH_STATE to a folder of yours");
            }
            if (!ownerOnly.containsAll(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS))) {
                Files.setPosixFilePermissions(dir, ownerOnly);
            }
            return dir;
        } catch (IOException e) {
            throw VmlaunchException.hostNotReady("cannot create state directory " + dir + ": " + e.getMessage()
                    + " (set VMLAUNCH_STATE to a writable folder)");
        }
    }

    /** Refuses socket paths the kernel would truncate. */
    public static void checkSocketPath(Path socket) {
        int len = socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (len > MAX_SOCKET_PATH) {
            throw VmlaunchException.usage("socket path too long (" + len + " > " + MAX_SOCKET_PATH + " bytes): "
                    + socket + " (set VMLAUNCH_STATE to a shorter folder)");
        }
    }
}
