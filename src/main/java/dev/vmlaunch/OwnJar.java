package dev.vmlaunch;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The jar vmlaunch runs from (target/vmlaunch.jar beside its checkout), for the JVMs and files it puts next to it. */
public final class OwnJar {
    private OwnJar() {}

    /** The jar, or empty when this code runs from a class folder (tests, an IDE). */
    public static Optional<Path> find() {
        try {
            var src = OwnJar.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return Optional.empty();
            }
            Path p = Path.of(src.getLocation().toURI()).toAbsolutePath();
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? Optional.of(p) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The jar, or a usage error that says what needs it: {@code why} is e.g. "the lab runs vmlaunch's packaged jar". */
    public static Path require(String why) {
        return find().orElseThrow(() -> VmlaunchException.usage(why + "; start it through ./vmlaunch (this runs from "
                + OwnJar.class.getProtectionDomain().getCodeSource() + ")"));
    }
}
