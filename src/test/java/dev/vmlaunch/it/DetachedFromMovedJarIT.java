package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run -d} from a jar whose CDS archive was made for another path (the lab host sees the jar over 9p at
 * /mnt/vmlaunch): the supervisor JVM warns that it cannot map the archive, and that warning must not be taken for
 * the supervisor's report (the JVM's unified logging writes warnings to stdout by default).
 */
class DetachedFromMovedJarIT {
    @TempDir
    Path tmp;

    SupervisionEnv env;

    @BeforeEach
    void setUp() throws Exception {
        env = new SupervisionEnv(tmp);
    }

    @AfterEach
    void tearDown() throws Exception {
        env.close();
    }

    @Test
    void runDetachedWorksFromAJarMovedAwayFromItsSharedArchive() throws Exception {
        Path target = VmlaunchProcess.ROOT.resolve("target");
        // ./vmlaunch builds the jar and its archive (for target/vmlaunch.jar) when they are missing or stale.
        VmlaunchProcess version = env.vmlaunch("--version");
        assertEquals(0, version.exitCode(), version.transcript());
        assertTrue(Files.isRegularFile(target.resolve("vmlaunch.jsa")), "the launcher made target/vmlaunch.jsa");
        Path moved = Files.createDirectories(tmp.resolve("moved"));
        Files.copy(target.resolve("vmlaunch.jar"), moved.resolve("vmlaunch.jar"));
        Files.copy(target.resolve("vmlaunch.jsa"), moved.resolve("vmlaunch.jsa"));
        Path guest = env.noneGuest("moved-jar");

        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                moved.resolve("vmlaunch.jar").toString(),
                "run",
                "-d",
                guest.toString()));
        VmlaunchProcess run = VmlaunchProcess.runCommand(env.env(), cmd);
        assertEquals(0, run.exitCode(), run.transcript());
        assertEquals("running", env.list(false).get("moved-jar").path("state").asText(), run.transcript());
        VmlaunchProcess stop = env.vmlaunch("stop", "--force", "moved-jar");
        assertEquals(0, stop.exitCode(), stop.transcript());
    }
}
