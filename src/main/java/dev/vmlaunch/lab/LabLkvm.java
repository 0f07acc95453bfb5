package dev.vmlaunch.lab;

import dev.vmlaunch.VmlaunchException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * {@code vmlaunch lab --lkvm PATH}: the lab's detached guest becomes a kvmtool guest run by that binary. Where the
 * option is checked (for every architecture's lab) and where the lab host finds the binary.
 */
public final class LabLkvm {
    /** The binary's folder inside the lab host (a read-only 9p share of its own: the lab host's /tmp is a fresh tmpfs). */
    static final String MOUNT = "/mnt/kvmtool";

    static final String TAG = "labkvmtool";
    /**
     * kvmtool makes its sockets in $HOME/.lkvm; the lab host's root (and so /root) is read-only, its /tmp a tmpfs of
     * its own.
     */
    static final String HOME = "/tmp";

    private LabLkvm() {}

    /**
     * The kvmtool binary {@code --lkvm} names, as an absolute path: a regular file (a link to one is fine) that is
     * executable. Anything else is a usage error (exit 2) saying which.
     */
    public static Path binary(Path given) {
        Path p = given.toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            throw VmlaunchException.usage(
                    "--lkvm " + given + ": no such file (build kvmtool with 'make lkvm' and name " + "the binary)");
        }
        if (!Files.isRegularFile(p)) {
            throw VmlaunchException.usage("--lkvm " + given + ": not a regular file"
                    + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                            ? " (a folder: name the lkvm binary in it)"
                            : ""));
        }
        if (!Files.isExecutable(p)) {
            throw VmlaunchException.usage("--lkvm " + given + ": not executable (chmod +x it)");
        }
        if (p.getFileName().toString().contains(" ") || p.getParent().toString().contains(",")) {
            // The lab host sees the folder as a 9p share (a ',' would split qemu's -fsdev) and the binary by name.
            throw VmlaunchException.usage(
                    "--lkvm " + given + ": the path must not contain ',' and the file name no space");
        }
        return p;
    }

    /** Where the lab host runs {@code binary} from. */
    static String inside(Path binary) {
        return MOUNT + "/" + binary.getFileName();
    }
}
