package dev.vmlaunch.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pause / resume of a qemu guest: a real QEMU (-machine none, fakes/qemu-machine-none) and its real QMP. */
class QemuPauseIT {
    @TempDir
    java.nio.file.Path tmp;

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
    void pauseAndResumeAQemuGuestGoThroughQmpAndShowInListAndStatus() throws Exception {
        VmlaunchProcess run = env.vmlaunch("run", "-d", env.noneGuest("qp").toString());
        assertEquals(0, run.exitCode(), run.transcript());

        VmlaunchProcess pause = env.vmlaunch("pause", "qp");
        assertEquals(0, pause.exitCode(), pause.transcript());
        assertEquals("qp: paused", pause.stdout().get(0));
        // The supervisor records QEMU's STOP event.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> env.state("qp").state().equals("paused"));
        assertEquals("paused", env.list(false).get("qp").path("state").asText());
        VmlaunchProcess status = env.vmlaunch("status", "--json", "qp");
        JsonNode st = SupervisionEnv.JSON.readTree(status.stdoutText());
        assertEquals("paused", st.path("qmp").path("status").asText(), status.transcript());

        VmlaunchProcess again = env.vmlaunch("pause", "qp");
        assertEquals(0, again.exitCode(), "pausing a paused guest is no error: " + again.transcript());

        VmlaunchProcess resume = env.vmlaunch("resume", "qp");
        assertEquals(0, resume.exitCode(), resume.transcript());
        assertEquals("qp: running", resume.stdout().get(0));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> env.state("qp").state().equals("running"));

        VmlaunchProcess stop = env.vmlaunch("stop", "--force", "qp");
        assertEquals(0, stop.exitCode(), stop.transcript());
        VmlaunchProcess ended = env.vmlaunch("resume", "qp");
        assertEquals(1, ended.exitCode(), ended.transcript());
        assertTrue(ended.stderrText().contains("is not running"), ended.transcript());
    }
}
