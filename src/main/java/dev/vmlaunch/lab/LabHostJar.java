package dev.vmlaunch.lab;

import dev.vmlaunch.JvmFlags;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the lab host runs this very jar. Through its root (this machine's / over 9p) when the jar's folder is not one the
 * lab host mounts a fresh file system on: then the jar keeps its path, and its class-data-sharing archives — which
 * JDK 17 accepts only for the class path they were made with — work inside the lab host too, for the lab's own JVM and
 * for the detached supervisor it starts. Under TCG a JVM start without them costs seconds of emulated class parsing
 * and verification. A jar under such a folder (a checkout in /tmp), or with a space in its path, runs from the
 * {@code labjar} share instead, without the archives.
 */
record LabHostJar(Path path, List<String> javaFlags) {
    /** What the lab host's init mounts over its 9p root (test-images/init), hiding what this machine has there. */
    static final List<Path> HIDDEN = List.of(
            Path.of("/dev"),
            Path.of("/proc"),
            Path.of("/sys"),
            Path.of("/run"),
            Path.of("/tmp"),
            Path.of("/var/tmp"),
            Path.of("/mnt"));

    static LabHostJar of(Path jar, Path jarMount) {
        Path abs = jar.toAbsolutePath().normalize();
        List<String> flags = new ArrayList<>(JvmFlags.cli());
        // The path goes on the lab host's kernel command line, which splits at spaces.
        if (HIDDEN.stream().anyMatch(abs::startsWith) || abs.toString().matches(".*\\s.*")) {
            return new LabHostJar(jarMount.resolve(abs.getFileName()), List.copyOf(flags));
        }
        JvmFlags.archiveFlag(abs).ifPresent(flags::add);
        return new LabHostJar(abs, List.copyOf(flags));
    }
}
