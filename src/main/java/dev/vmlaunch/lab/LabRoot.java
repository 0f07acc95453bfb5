package dev.vmlaunch.lab;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.host.BoundedCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The aarch64 lab host's root file system: the JVM, qemu-system-aarch64, busybox and util-linux for arm64, made from
 * Debian's arm64 packages without installing anything on this machine. apt resolves the dependency closure against an
 * empty dpkg status from this machine's own package lists (which test-images/build gives an arm64 architecture),
 * downloads it into a cache of its own, and each .deb is unpacked with {@code dpkg-deb -x}: no maintainer script runs.
 * The result is cached outside the clone, like the test images, under a key made of every package's exact version.
 */
public final class LabRoot {
    /** What the lab host runs: the JVM for the jar, QEMU for the nested guests, taskset for a user at its shell. */
    static final List<String> PACKAGES =
            List.of("openjdk-17-jre-headless", "qemu-system-arm", "busybox-static", "util-linux");

    static final String DEB_ARCH = "arm64";
    /** The JVM inside the root (no maintainer script made /usr/bin/java). */
    static final String JAVA = "/usr/lib/jvm/java-17-openjdk-arm64/bin/java";

    private static final List<String> MUST_HAVE =
            List.of(JAVA, "/usr/bin/qemu-system-aarch64", "/usr/bin/taskset", "/bin/busybox");
    private static final int MAX_OUTPUT = 1 << 20;
    /** Where root's ~/.lkvm points in the lab host (the lab makes the folder before kvmtool runs). */
    static final String LKVM_SOCKETS = "/run/lkvm";

    /** A ready root: its folder (served read-only over 9p) and its cache key. */
    public record Root(Path dir, String key, int packages) {}

    private final Path cache;
    private final Consumer<String> progress;
    private final boolean root;
    private final String aptGet;

    LabRoot(Path cache, Consumer<String> progress, boolean root) {
        this(cache, progress, root, "apt-get");
    }

    /** {@code aptGet}: the apt-get to run (tests give a stand-in that answers as apt does). */
    LabRoot(Path cache, Consumer<String> progress, boolean root, String aptGet) {
        this.cache = cache;
        this.progress = progress;
        this.root = root;
        this.aptGet = aptGet;
    }

    /** Where cached roots live: VMLAUNCH_CACHE, else $XDG_CACHE_HOME/vmlaunch, else ~/.cache/vmlaunch (as test-images/build). */
    static Path cacheDir(Map<String, String> env) {
        String base = env.get("VMLAUNCH_CACHE");
        if (base == null || base.isEmpty()) {
            String xdg = env.get("XDG_CACHE_HOME");
            String home = env.getOrDefault("HOME", System.getProperty("user.home"));
            base = (xdg != null && !xdg.isEmpty() ? xdg : home + "/.cache") + "/vmlaunch";
        }
        return Path.of(base, "lab-root");
    }

    /** The arm64 root, cached or assembled now; exit 3 naming the package when it cannot be assembled. */
    public static Root aarch64(Map<String, String> env, Consumer<String> progress) throws IOException {
        boolean isRoot = "root".equals(System.getProperty("user.name"));
        return new LabRoot(cacheDir(env), progress, isRoot).ensure();
    }

    Root ensure() throws IOException {
        List<LabRootPackages.Deb> debs = resolve();
        String key = LabRootPackages.key(debs);
        Path entry = cache.resolve("aarch64").resolve(key);
        if (complete(entry)) {
            progress.accept("arm64 lab root: cached, " + debs.size() + " packages (" + entry.resolve("root") + ")");
            return new Root(entry.resolve("root"), key, debs.size());
        }
        Instant t0 = Instant.now();
        progress.accept(
                "arm64 lab root: assembling " + debs.size() + " Debian packages (downloaded once) into " + entry);
        Path debDir = download(debs);
        Files.createDirectories(entry.getParent());
        Path work = Files.createTempDirectory(entry.getParent(), ".build-" + key + "-");
        try {
            Path dir = work.resolve("root");
            Files.createDirectories(dir);
            for (LabRootPackages.Deb d : debs) {
                BoundedCommand.Result r = BoundedCommand.run(
                        List.of("dpkg-deb", "-x", debDir.resolve(d.file()).toString(), dir.toString()),
                        Duration.ofMinutes(5),
                        MAX_OUTPUT);
                if (!r.ok()) {
                    throw cannot("unpacking package " + d.name() + " " + d.version() + " failed: " + firstLine(r));
                }
            }
            finish(dir);
            Files.writeString(work.resolve("manifest"), LabRootPackages.manifest(debs), StandardCharsets.UTF_8);
            try {
                Files.move(work, entry, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // A lab running at the same time published the same key first: theirs is as good as ours.
                if (!complete(entry)) {
                    throw e;
                }
            }
        } finally {
            if (Files.exists(work, LinkOption.NOFOLLOW_LINKS)) {
                Lab.deleteTree(work);
            }
        }
        progress.accept("arm64 lab root: assembled in "
                + Duration.between(t0, Instant.now()).toSeconds() + " s");
        return new Root(entry.resolve("root"), key, debs.size());
    }

    private static boolean complete(Path entry) {
        return Files.isRegularFile(entry.resolve("manifest"), LinkOption.NOFOLLOW_LINKS)
                && Files.isRegularFile(entry.resolve("root" + JAVA));
    }

    /** The dependency closure of {@link #PACKAGES} for arm64, as apt resolves it from scratch. */
    List<LabRootPackages.Deb> resolve() throws IOException {
        Path memo = cache.resolve("resolved").resolve(DEB_ARCH + "-" + LabRootPackages.aptState(aptLists(), PACKAGES));
        if (Files.isRegularFile(memo, LinkOption.NOFOLLOW_LINKS) && Files.size(memo) < MAX_OUTPUT) {
            List<LabRootPackages.Deb> known = LabRootPackages.parse(Files.readString(memo));
            if (!known.isEmpty()) {
                return known;
            }
        }
        List<LabRootPackages.Deb> debs = askApt();
        Files.createDirectories(memo.getParent());
        Path tmp = Files.createTempFile(memo.getParent(), ".memo-", "");
        Files.writeString(tmp, LabRootPackages.memo(debs));
        Files.move(tmp, memo, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return debs;
    }

    /** "name size mtime" of each of apt's package list files: they change when apt-get update brings news. */
    private static List<String> aptLists() throws IOException {
        List<String> out = new ArrayList<>();
        Path lists = Path.of("/var/lib/apt/lists");
        if (!Files.isDirectory(lists)) {
            return out;
        }
        try (var s = Files.newDirectoryStream(lists, "*Packages*")) {
            for (Path p : s) {
                var a = Files.readAttributes(
                        p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                out.add(p.getFileName() + " " + a.size() + " "
                        + a.lastModifiedTime().toMillis());
            }
        }
        return out;
    }

    private List<LabRootPackages.Deb> askApt() throws IOException {
        List<String> argv = aptGet("-s");
        BoundedCommand.Result r = BoundedCommand.run(argv, Duration.ofMinutes(3), MAX_OUTPUT);
        if (!r.ok()) {
            throw cannot(LabRootPackages.resolutionError(r.err(), DEB_ARCH)
                    .orElse("apt-get could not resolve " + String.join(", ", PACKAGES) + ": " + firstLine(r)));
        }
        List<LabRootPackages.Deb> debs = LabRootPackages.parse(r.out());
        if (debs.isEmpty()) {
            throw cannot("apt-get resolved no packages for " + String.join(", ", PACKAGES) + ": " + firstLine(r));
        }
        return debs;
    }

    /** Downloads the closure into the cache's deb folder (apt checks every file's hash); returns that folder. */
    private Path download(List<LabRootPackages.Deb> debs) throws IOException {
        Path debDir = cache.resolve("debs-" + DEB_ARCH);
        Files.createDirectories(debDir.resolve("partial"));
        List<String> argv = aptGet("--download-only", "-y", "-o", "Dir::Cache::archives=" + debDir);
        BoundedCommand.Result r = BoundedCommand.run(argv, Duration.ofMinutes(20), MAX_OUTPUT);
        if (!r.ok()) {
            throw cannot(
                    r.timedOut()
                            ? "apt-get did not finish downloading in 20 min"
                            : LabRootPackages.fetchError(r.err())
                                    .orElse("apt-get --download-only failed: " + firstLine(r)));
        }
        for (LabRootPackages.Deb d : debs) {
            if (!Files.isRegularFile(debDir.resolve(d.file()), LinkOption.NOFOLLOW_LINKS)) {
                throw cannot("package " + d.name() + " " + d.version() + " was not downloaded (no "
                        + debDir.resolve(d.file()) + ")");
            }
        }
        return debDir;
    }

    /** apt-get as if on an empty arm64 system: the closure is the whole root, not what this machine lacks. */
    private List<String> aptGet(String... action) throws IOException {
        Path status = cache.resolve("empty-dpkg-status");
        if (!Files.isRegularFile(status, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(cache);
            Files.writeString(status, "");
        }
        List<String> a = new ArrayList<>(List.of(aptGet, "-qq"));
        a.addAll(List.of(action));
        a.addAll(List.of(
                "-o",
                "Dir::State::status=" + status,
                "-o",
                "APT::Architecture=" + DEB_ARCH,
                "-o",
                "APT::Architectures=" + DEB_ARCH,
                "-o",
                "APT::Install-Recommends=false",
                // The empty status is ours: this machine's dpkg database is neither read nor locked.
                "-o",
                "Debug::NoLocking=1"));
        if (root) {
            // As root apt downloads as user _apt, who cannot write to a private cache.
            a.addAll(List.of("-o", "APT::Sandbox::User=root"));
        }
        a.add("install");
        a.addAll(PACKAGES);
        return a;
    }

    /** What a root needs beyond the packages: mount points, a /bin/sh, the root user, kvmtool's socket folder. */
    private static void finish(Path dir) throws IOException {
        for (String d : List.of("proc", "sys", "dev", "run", "tmp", "var/tmp", "mnt", "root")) {
            Files.createDirectories(dir.resolve(d));
        }
        Path sh = dir.resolve("bin/sh");
        if (!Files.exists(sh, LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(sh, Path.of("busybox"));
        }
        // kvmtool keeps its IPC sockets in ~/.lkvm, and the root is read-only in the lab host: /run is its tmpfs.
        Files.createSymbolicLink(dir.resolve("root/.lkvm"), Path.of(LKVM_SOCKETS));
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(dir.resolve("etc/group"), "root:x:0:\n");
        for (String must : MUST_HAVE) {
            if (!Files.exists(dir.resolve(must.substring(1)))) {
                throw cannot("the unpacked packages have no " + must);
            }
        }
    }

    private static String firstLine(BoundedCommand.Result r) {
        String text = (r.err().isBlank() ? r.out() : r.err()).strip();
        String line = text.lines()
                .filter(l -> l.startsWith("E:"))
                .findFirst()
                .orElse(text.lines().findFirst().orElse(""));
        return r.timedOut() ? "timed out" : line.isEmpty() ? "exit " + r.exit() : line;
    }

    private static VmlaunchException cannot(String why) {
        return VmlaunchException.hostNotReady("the arm64 lab root cannot be assembled: " + why);
    }
}
