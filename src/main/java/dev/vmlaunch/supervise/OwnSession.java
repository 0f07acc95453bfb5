package dev.vmlaunch.supervise;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The argv prefix that starts a child in a session of its own ({@code setsid}, util-linux): a terminal's Ctrl-C
 * and hang-up then reach vmlaunch, which stops the guest properly, and not the child, which outlives a vmlaunch
 * that is killed. Both the VMM ({@link Supervisor}) and {@code run -d}'s supervisor JVM ({@link DetachedSupervisor})
 * start this way. Without setsid on the host the child shares vmlaunch's session, as any child would.
 */
final class OwnSession {
    /** Where util-linux installs it; an absolute path, so PATH cannot swap it. */
    static final Path SETSID = Path.of("/usr/bin/setsid");

    private OwnSession() {}

    /** {@code [/usr/bin/setsid]}, or nothing when the host has no setsid. */
    static List<String> prefix() {
        return prefix(SETSID);
    }

    static List<String> prefix(Path setsid) {
        return Files.isExecutable(setsid) ? List.of(setsid.toString()) : List.of();
    }
}
