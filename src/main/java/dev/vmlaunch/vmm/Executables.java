package dev.vmlaunch.vmm;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finding the VMM binary the way a shell would, and telling the user which package has it. */
public final class Executables {
    private Executables() {}

    public static Optional<Path> find(String name, String pathEnv) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
        }
        if (pathEnv == null) {
            return Optional.empty();
        }
        for (String dir : pathEnv.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** A hint naming the Debian package that provides {@code name}. */
    public static String installHint(String name) {
        String base = Path.of(name).getFileName().toString();
        return switch (base) {
            case "qemu-system-x86_64" -> "install it: apt-get install qemu-system-x86";
            case "qemu-system-aarch64" -> "install it: apt-get install qemu-system-arm";
            case "lkvm" -> "kvmtool is not packaged in Debian 12: build it from its source and put lkvm on PATH, "
                    + "or set \"binary\"";
            default -> "check \"binary\" in the guest file and PATH";
        };
    }
}
