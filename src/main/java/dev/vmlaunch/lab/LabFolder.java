package dev.vmlaunch.lab;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.RecordedGuests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The lab's own folder, {@code STATE/lab-ARCH}, cleared at the start of a run. It lives among the guests' folders
 * and is removed recursively as root, so it is checked first: not a symlink, not a guest's state folder (a guest may
 * be named {@code lab-x86_64}), and not in use by a guest that still runs (an earlier lab's guests share files from
 * it). Any of these refuses the run with exit 2 and touches nothing.
 */
final class LabFolder {
    private LabFolder() {}

    static Path clear(Path state, String name) throws IOException {
        Path folder = state.resolve(name);
        if (Files.isSymbolicLink(folder)) {
            throw VmlaunchException.usage(folder + " is a symbolic link, not the lab's folder; remove it yourself "
                    + "if it is stale (the lab does not follow it)");
        }
        if (Files.exists(folder.resolve("state.json"), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(folder.resolve("lock"), LinkOption.NOFOLLOW_LINKS)) {
            throw VmlaunchException.usage(folder + " is the state folder of a guest named \"" + name + "\", not the "
                    + "lab's; the lab needs that name: 'vmlaunch stop " + name + "' and remove the folder, or use "
                    + "another VMLAUNCH_STATE");
        }
        Optional<String> user = runningUser(state, folder);
        if (user.isPresent()) {
            throw VmlaunchException.usage("guest \"" + user.get() + "\" still runs with files from " + folder
                    + " (an earlier lab's guest?): 'vmlaunch stop " + user.get() + "' first");
        }
        Lab.deleteTree(folder);
        return StateRoot.ensureDir(folder);
    }

    /**
     * Moves the lab folder {@code name} aside as {@code kept} (replacing an older one) so that a second run can
     * start clean and the first one's files stay for a post-mortem. Same checks as {@link #clear}.
     */
    static Path keep(Path state, String name, String kept) throws IOException {
        Path from = state.resolve(name);
        Path to = state.resolve(kept);
        if (Files.isSymbolicLink(to) || Files.exists(to.resolve("state.json"), LinkOption.NOFOLLOW_LINKS)) {
            throw VmlaunchException.usage(to + " is a symbolic link or a guest's state folder, not the lab's; "
                    + "remove it yourself (the lab does not follow or remove it)");
        }
        Lab.deleteTree(to);
        Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return to;
    }

    /** A live guest whose recorded spec (argv included) names a path inside {@code folder}. */
    private static Optional<String> runningUser(Path state, Path folder) {
        String inside = folder.toAbsolutePath().normalize() + "/";
        for (RecordedGuests.Record r : RecordedGuests.scan(state)) {
            if (r.isBroken() || !r.live()) {
                continue;
            }
            Path spec = r.dir().specFile();
            try {
                if (Files.isRegularFile(spec, LinkOption.NOFOLLOW_LINKS)
                        && Files.size(spec) < (1 << 20)
                        && new String(Files.readAllBytes(spec), StandardCharsets.UTF_8).contains(inside)) {
                    return Optional.of(r.name());
                }
            } catch (IOException e) {
                // Unreadable: not evidence either way; the name checks above still hold.
            }
        }
        return Optional.empty();
    }
}
