package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.driver.ProcessIdentity;
import dev.vmlaunch.host.HostRoots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the pid a kvmtool socket reports is really the kvmtool behind that socket. The socket answers whatever
 * its server likes (any process can listen on {@code ~/.lkvm/NAME.sock} and report any pid), so before vmlaunch
 * signals a pid it did not spawn, it proves two things from /proc:
 * <ol>
 * <li>the process is kvmtool: {@code /proc/PID/exe} resolves to a file named {@code lkvm} or {@code lkvm-static}
 * (kvmtool's two build targets), and</li>
 * <li>it owns the socket: an inode that /proc/net/unix lists for the socket's path is one of its
 * {@code socket:[INODE]} links in {@code /proc/PID/fd}.</li>
 * </ol>
 * The start time is read before and after, so a pid reused meanwhile is not proven; the proven
 * {@link ProcessIdentity} then guards each signal.
 */
public final class LkvmProcessProof {
    /** kvmtool's Makefile builds {@code lkvm} and {@code lkvm-static}. */
    static final Set<String> KVMTOOL_NAMES = Set.of("lkvm", "lkvm-static");

    private static final String DELETED = " (deleted)";
    // Num RefCount Protocol Flags Type St Inode [Path]; the path is the rest of the line and may hold spaces.
    private static final Pattern UNIX_ROW =
            Pattern.compile("^\\S+:\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+(\\d+)(?: (.*))?$");
    private static final int MAX_FDS = 1 << 20;

    /** Proven: the identity to signal. Not proven: why not, in words for the user. */
    public record Verdict(Optional<ProcessIdentity> process, String reason) {
        public boolean proven() {
            return process.isPresent();
        }
    }

    private final Path proc;

    public LkvmProcessProof(Path proc) {
        this.proc = proc;
    }

    /** Against the kernel's own /proc: the pid is about to be signalled, so only the live process counts. */
    public static LkvmProcessProof system() {
        return new LkvmProcessProof(HostRoots.KERNEL.proc());
    }

    public Verdict check(long pid, Path socket) {
        if (pid <= 0) {
            return no("it reported pid " + pid + ", which is no process");
        }
        Path dir = proc.resolve(Long.toString(pid));
        Optional<ProcessIdentity> before = identity(pid, dir);
        if (before.isEmpty()) {
            return no("it reported pid " + pid + ", which is not running");
        }
        String exe;
        try {
            exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return no("cannot read " + dir.resolve("exe") + " (" + e.getMessage() + "), so pid " + pid
                    + " is not proven to be kvmtool");
        }
        String file = exe.endsWith(DELETED) ? exe.substring(0, exe.length() - DELETED.length()) : exe;
        String base = file.substring(file.lastIndexOf('/') + 1);
        if (!KVMTOOL_NAMES.contains(base)) {
            return no("pid " + pid + " (" + comm(dir) + ") runs " + exe + ", not kvmtool (lkvm or lkvm-static)");
        }
        Set<Long> inodes = listeningInodes(socket);
        if (inodes.isEmpty()) {
            return no(proc.resolve("net/unix") + " lists no socket bound to " + socket);
        }
        Optional<Boolean> owns = holdsOneOf(dir.resolve("fd"), inodes);
        if (owns.isEmpty()) {
            return no("cannot read " + dir.resolve("fd") + ", so pid " + pid + " is not proven to own " + socket);
        }
        if (!owns.get()) {
            return no("pid " + pid + " (" + exe + ") does not hold the socket " + socket + " (inode "
                    + inodes.iterator().next() + ")");
        }
        Optional<ProcessIdentity> after = identity(pid, dir);
        if (!before.equals(after)) {
            return no("pid " + pid + " ended or was reused while it was being checked");
        }
        return new Verdict(before, "pid " + pid + " is kvmtool (" + exe + ") and holds " + socket);
    }

    private static Verdict no(String why) {
        return new Verdict(Optional.empty(), why);
    }

    private static Optional<ProcessIdentity> identity(long pid, Path dir) {
        try {
            return ProcessIdentity.parseStat(pid, Files.readString(dir.resolve("stat"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String comm(Path dir) {
        try {
            String c = Files.readString(dir.resolve("comm"), StandardCharsets.UTF_8)
                    .strip();
            return c.replaceAll("[^\\x20-\\x7e]", "?");
        } catch (IOException e) {
            return "?";
        }
    }

    /** Inodes of the sockets bound to {@code socket}'s path (as given, and with links resolved). */
    Set<Long> listeningInodes(Path socket) {
        Set<String> paths = new LinkedHashSet<>();
        paths.add(socket.toAbsolutePath().normalize().toString());
        try {
            paths.add(socket.toRealPath().toString());
        } catch (IOException e) {
            // gone or unreadable: the path as given still counts
        }
        Set<Long> out = new LinkedHashSet<>();
        try (var lines = Files.lines(proc.resolve("net/unix"), StandardCharsets.UTF_8)) {
            lines.skip(1).forEach(line -> {
                Matcher m = UNIX_ROW.matcher(line);
                if (m.matches() && m.group(2) != null && paths.contains(m.group(2))) {
                    out.add(Long.parseLong(m.group(1)));
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return Set.of();
        }
        return out;
    }

    private static Optional<Boolean> holdsOneOf(Path fdDir, Set<Long> inodes) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : ds) {
                if (++n > MAX_FDS) {
                    break;
                }
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (target.startsWith("socket:[") && target.endsWith("]")) {
                    try {
                        if (inodes.contains(Long.parseLong(target.substring(8, target.length() - 1)))) {
                            return Optional.of(true);
                        }
                    } catch (NumberFormatException e) {
                        // not a socket link the kernel makes
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(false);
    }
}
