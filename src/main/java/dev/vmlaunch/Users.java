package dev.vmlaunch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who this process runs as. */
public final class Users {
    private Users() {}

    /** The effective user id: /proc/self belongs to it. -1 when unknown. */
    public static long uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    public static boolean isRoot() {
        return uid() == 0;
    }
}
