package dev.vmlaunch.host;

import dev.vmlaunch.VmlaunchException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The folder where vmlaunch keeps what must survive a crash (bind records, guest state): {@code VMLAUNCH_STATE},
 * else {@code /run/vmlaunch} for root, else {@code $XDG_RUNTIME_DIR/vmlaunch}, else {@code <tmpdir>/vmlaunch-<uid>}.
 * Shared by every package that keeps state (host binds, supervise).
 */
public final class StateRoot {
    public static final String ENV = "VMLAUNCH_STATE";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private StateRoot() {
    }

    /** The state root for this process (not created). */
    public static Path current() {
        return resolve(System.getenv(), Users.uid());
    }

    /** The state root for a process with {@code env} and user id {@code uid} (not created). */
    public static Path resolve(Map<String, String> env, long uid) {
        String explicit = env.get(ENV);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath().normalize();
        }
        if (uid == 0) {
            return Path.of("/run/vmlaunch");
        }
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg).toAbsolutePath().normalize().resolve("vmlaunch");
        }
        return Path.of(System.getProperty("java.io.tmpdir", "/tmp")).toAbsolutePath().resolve("vmlaunch-" + uid);
    }

    /**
     * Creates {@code dir} (and missing parents) with mode 0700, or checks that an existing one is a real folder
     * owned by this user and closed to others — in a shared /tmp another user could have made it first.
     */
    public static Path ensure(Path dir) {
        try {
            try {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException e) {
                // checked below
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw VmlaunchException.failure("state folder " + dir + " is not a folder (a symlink or a file is in the way)");
            }
            Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (((Number) owner).longValue() != Users.uid()) {
                throw VmlaunchException.failure("state folder " + dir + " belongs to another user (uid " + owner
                        + "); set " + ENV + " to a folder of yours");
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (!OWNER_ONLY.containsAll(perms)) {
                Files.setPosixFilePermissions(dir, OWNER_ONLY);
            }
            return dir;
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot create the state folder " + dir + ": " + e.getMessage()
                    + " (set " + ENV + " to a writable folder)", e);
        }
    }
}
