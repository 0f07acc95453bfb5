package dev.vmlaunch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The flags of the JVMs vmlaunch runs, kept in one place: {@code dev/vmlaunch/jvm/vmlaunch.args} (every vmlaunch JVM;
 * the {@code ./vmlaunch} launcher passes the same file to java as an @argfile) and {@code supervisor.args} (what the
 * long-lived detached supervisor adds), and the class-data-sharing archive the launcher keeps beside the jar.
 */
public final class JvmFlags {
    /** The CDS archive {@code ./vmlaunch} makes beside {@code vmlaunch.jar} from the commands people run most. */
    public static final String ARCHIVE = "vmlaunch.jsa";
    /** The detached supervisor's own archive: only the classes it loads, since each one it maps is resident memory. */
    public static final String SUPERVISOR_ARCHIVE = "vmlaunch-supervisor.jsa";

    private JvmFlags() {}

    /** The flags of every vmlaunch JVM. */
    public static List<String> cli() {
        return read("jvm/vmlaunch.args");
    }

    /** The detached supervisor's flags: {@link #cli()} and its memory limits. */
    public static List<String> supervisor() {
        List<String> flags = new ArrayList<>(cli());
        flags.addAll(read("jvm/supervisor.args"));
        return List.copyOf(flags);
    }

    /**
     * {@code -XX:SharedArchiveFile=} for the archive beside {@code jar}, when there is one. The JVM checks it was made
     * from this very jar (path, size, time) and from this JVM, and quietly runs without it otherwise.
     */
    public static Optional<String> archiveFlag(Path jar) {
        return archiveFlag(jar, ARCHIVE);
    }

    /** {@link #archiveFlag(Path)} for the supervisor's archive. */
    public static Optional<String> supervisorArchiveFlag(Path jar) {
        return archiveFlag(jar, SUPERVISOR_ARCHIVE);
    }

    private static Optional<String> archiveFlag(Path jar, String name) {
        Path jsa = jar.resolveSibling(name);
        return Files.isRegularFile(jsa) ? Optional.of("-XX:SharedArchiveFile=" + jsa) : Optional.empty();
    }

    /** An argfile's flags: one a line, {@code #} to the end of a line is a comment, no quoting. */
    static List<String> parse(String text) {
        List<String> flags = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            int hash = line.indexOf('#');
            String flag = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (flag.isEmpty()) {
                continue;
            }
            if (flag.chars().anyMatch(Character::isWhitespace) || flag.indexOf('"') >= 0 || flag.indexOf('\'') >= 0) {
                throw new IllegalStateException("JVM flag file: one flag a line, without quotes: " + flag);
            }
            flags.add(flag);
        }
        return List.copyOf(flags);
    }

    private static List<String> read(String resource) {
        try (InputStream in = JvmFlags.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("dev/vmlaunch/" + resource + " is missing from the class path");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
