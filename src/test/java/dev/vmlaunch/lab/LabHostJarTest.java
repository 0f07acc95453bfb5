package dev.vmlaunch.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.vmlaunch.JvmFlags;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where the lab host finds the jar, and whether its CDS archive can come along (only at the jar's own path). */
class LabHostJarTest {
    private static final Path MOUNT = Path.of("/mnt/vmlaunch");

    @Test
    void aJarTheLabHostSeesThroughItsRootKeepsItsPathAndItsArchive() throws Exception {
        // The project's own target/ (not under /tmp in a checkout such as /work/wt-x): the launcher made the archive.
        Path dir = Files.createDirectories(Path.of("target/lab-host-jar-test").toAbsolutePath());
        Path jar = Files.writeString(dir.resolve("vmlaunch.jar"), "");
        Files.writeString(dir.resolve(JvmFlags.ARCHIVE), "");
        assumeFalse(
                LabHostJar.HIDDEN.stream().anyMatch(dir::startsWith), "a checkout under /tmp cannot show this case");
        LabHostJar j = LabHostJar.of(jar, MOUNT);
        assertEquals(jar, j.path());
        assertTrue(
                j.javaFlags().contains("-XX:SharedArchiveFile=" + dir.resolve(JvmFlags.ARCHIVE)),
                j.javaFlags().toString());
        assertTrue(j.javaFlags().containsAll(JvmFlags.cli()));
    }

    @Test
    void aJarUnderAFolderTheLabHostMountsAfreshRunsFromTheShareWithoutAnArchive() {
        for (String p : new String[] {
            "/tmp/co/target/vmlaunch.jar", "/run/x/vmlaunch.jar", "/mnt/y/vmlaunch.jar", "/var/tmp/z/vmlaunch.jar"
        }) {
            LabHostJar j = LabHostJar.of(Path.of(p), MOUNT);
            assertEquals(MOUNT.resolve("vmlaunch.jar"), j.path(), p);
            assertFalse(j.javaFlags().stream().anyMatch(f -> f.startsWith("-XX:SharedArchiveFile")), p);
        }
    }

    @Test
    void aJarPathWithASpaceRunsFromTheShare() {
        assertEquals(
                MOUNT.resolve("vmlaunch.jar"),
                LabHostJar.of(Path.of("/work/my co/vmlaunch.jar"), MOUNT).path());
    }

    @Test
    void aTmpLookalikeIsNotHidden() {
        assertEquals(
                Path.of("/tmpfoo/vmlaunch.jar"),
                LabHostJar.of(Path.of("/tmpfoo/vmlaunch.jar"), MOUNT).path());
    }
}
