package dev.vmlaunch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JVM flags' one home: the argfile ./vmlaunch passes to java is the list the JVMs vmlaunch starts get. */
class JvmFlagsTest {
    @TempDir
    Path dir;

    @Test
    void commentsAndBlankLinesAreNotFlags() {
        assertEquals(
                List.of("-XX:+UseSerialGC", "-Xss1m"),
                JvmFlags.parse("# why\n\n-XX:+UseSerialGC  # fast start\n  -Xss1m\n"));
    }

    @Test
    void aLineWithTwoWordsOrQuotesIsRefusedRatherThanPassedAsOneFlag() {
        assertThrows(IllegalStateException.class, () -> JvmFlags.parse("-Xmx32m -Xms4m\n"));
        assertThrows(IllegalStateException.class, () -> JvmFlags.parse("\"-Xmx32m\"\n"));
    }

    @Test
    void theLaunchersArgfileIsTheClassPathResource() throws Exception {
        String launcher = Files.readString(Path.of("vmlaunch"));
        assertTrue(
                launcher.contains("src/main/resources/dev/vmlaunch/jvm/vmlaunch.args"),
                "./vmlaunch reads the flags file");
        assertTrue(
                launcher.lines().filter(l -> l.contains("exec java")).allMatch(l -> l.contains("@\"$flags\"")),
                "every java the launcher runs takes the flags file");
        assertEquals(
                JvmFlags.parse(Files.readString(Path.of("src/main/resources/dev/vmlaunch/jvm/vmlaunch.args"))),
                JvmFlags.cli());
    }

    @Test
    void theSupervisorGetsEveryCliFlagAndItsMemoryLimits() {
        List<String> sup = JvmFlags.supervisor();
        assertTrue(sup.containsAll(JvmFlags.cli()), sup.toString());
        assertTrue(sup.contains("-Xmx32m"), sup.toString());
    }

    @Test
    void theArchiveFlagNamesTheArchiveBesideTheJarOnlyWhenThereIsOne() throws Exception {
        Path jar = Files.createFile(dir.resolve("vmlaunch.jar"));
        assertTrue(JvmFlags.archiveFlag(jar).isEmpty());
        Files.createFile(dir.resolve("vmlaunch.jsa"));
        assertEquals(
                "-XX:SharedArchiveFile=" + dir.resolve("vmlaunch.jsa"),
                JvmFlags.archiveFlag(jar).orElseThrow());
    }
}
