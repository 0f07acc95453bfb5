package dev.vmlaunch.lab;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Debian packages of a lab host root: apt's answer for the dependency closure (what {@code apt-get -s install}
 * prints against an empty dpkg status, so the closure is the whole root and not what this machine lacks), the cache
 * key made of their exact versions, and apt's complaint turned into the package it is about.
 */
final class LabRootPackages {
    /** One package of the closure. */
    record Deb(String name, String version, String arch) {
        /** The file apt downloads it to: NAME_VERSION_ARCH.deb with the epoch's colon written %3a. */
        String file() {
            return name + "_" + version.replace(":", "%3a") + "_" + arch + ".deb";
        }
    }

    /** Bumped when the way a root is assembled changes, so cached roots made the old way are not reused. */
    static final int LAYOUT = 2;

    // "Inst libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [arm64])"; an upgrade would show "[old]" after the name.
    private static final Pattern INST = Pattern.compile(
            "Inst ([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9]+)? (?:\\[[^\\]]*\\] )?\\(([A-Za-z0-9.+~:-]+) [^\\[]*\\[([a-z0-9]+)\\]\\).*");
    private static final Pattern UNKNOWN = Pattern.compile("E: Unable to locate package (\\S+)");
    private static final Pattern NOT_INSTALLABLE =
            Pattern.compile("^\\s*(\\S+) : (?:Pre)?Depends: (\\S+)(?: \\([^)]*\\))? but (.+?)$", Pattern.MULTILINE);
    private static final Pattern NO_CANDIDATE = Pattern.compile("E: Package '([^']+)' has no installation candidate");
    private static final Pattern FETCH = Pattern.compile("(?:E|W): Failed to fetch (\\S+)\\s*(.*)");

    private LabRootPackages() {}

    /**
     * The packages apt's simulated install would unpack ({@code Inst} lines; {@code Conf} lines and apt's chatter are
     * skipped). A .deb already in some apt cache is still listed, unlike with {@code --print-uris}.
     */
    static List<Deb> parse(String simulation) {
        List<Deb> debs = new ArrayList<>();
        for (String line : simulation.split("\n")) {
            Matcher m = INST.matcher(line.strip());
            if (m.matches()) {
                debs.add(new Deb(m.group(1), m.group(2), m.group(3)));
            }
        }
        return debs;
    }

    /**
     * The cache key: the layout and every package's exact version and architecture, in name order, so the same
     * closure gives the same key whatever order apt printed it in, and any version change gives a new one.
     */
    static String key(List<Deb> debs) {
        StringBuilder s = new StringBuilder("layout ").append(LAYOUT).append('\n');
        debs.stream()
                .sorted(Comparator.comparing(Deb::name).thenComparing(Deb::arch))
                .forEach(d -> s.append(d.name())
                        .append(' ')
                        .append(d.version())
                        .append(' ')
                        .append(d.arch())
                        .append('\n'));
        return sha256(s.toString());
    }

    /**
     * A fingerprint of what apt knows (its package list files, as "name size mtime" lines, and the packages asked
     * for): apt's answer is remembered per fingerprint, since asking costs seconds, and more on a loaded machine.
     */
    static String aptState(List<String> listFiles, List<String> packages) {
        StringBuilder s = new StringBuilder("layout ").append(LAYOUT).append('\n');
        packages.forEach(p -> s.append("want ").append(p).append('\n'));
        listFiles.stream().sorted().forEach(l -> s.append(l).append('\n'));
        return sha256(s.toString());
    }

    private static String sha256(String text) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The closure as {@link #parse} reads it back: apt's answer remembered without apt's chatter. */
    static String memo(List<Deb> debs) {
        StringBuilder s = new StringBuilder();
        debs.forEach(d -> s.append("Inst ")
                .append(d.name())
                .append(" (")
                .append(d.version())
                .append(" [")
                .append(d.arch())
                .append("])\n"));
        return s.toString();
    }

    /** The manifest kept beside a cached root: one "name version arch" line per package, in name order. */
    static String manifest(List<Deb> debs) {
        StringBuilder s = new StringBuilder();
        debs.stream().sorted(Comparator.comparing(Deb::name)).forEach(d -> s.append(d.name())
                .append(' ')
                .append(d.version())
                .append(' ')
                .append(d.arch())
                .append('\n'));
        return s.toString();
    }

    /** Which package apt's resolution failed on and why, in one line, or empty when its stderr names none. */
    static Optional<String> resolutionError(String aptErr, String arch) {
        Matcher m = UNKNOWN.matcher(aptErr);
        if (m.find()) {
            return Optional.of("apt knows no package " + m.group(1) + " for " + arch + " (its " + arch
                    + " package lists are missing: dpkg --add-architecture " + arch + " && apt-get update)");
        }
        m = NO_CANDIDATE.matcher(aptErr);
        if (m.find()) {
            return Optional.of("package " + m.group(1) + " has no " + arch + " version apt can install");
        }
        m = NOT_INSTALLABLE.matcher(aptErr);
        if (m.find()) {
            return Optional.of("package " + m.group(1) + " needs " + m.group(2) + ", but "
                    + m.group(3).strip());
        }
        return Optional.empty();
    }

    /** Which .deb apt could not download, by package name, or empty when its stderr names none. */
    static Optional<String> fetchError(String aptErr) {
        Matcher m = FETCH.matcher(aptErr);
        if (!m.find()) {
            return Optional.empty();
        }
        String url = m.group(1);
        String file =
                URLDecoder.decode(url.substring(url.lastIndexOf('/') + 1).replace("+", "%2B"), StandardCharsets.UTF_8);
        String name = file.contains("_") ? file.substring(0, file.indexOf('_')) : file;
        return Optional.of("downloading package " + name + " failed (" + file + ": "
                + m.group(2).strip() + "); apt's package lists may be stale: apt-get update");
    }
}
