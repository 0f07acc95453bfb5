package dev.vmlaunch.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.lkvm.FakeLkvmServer;
import dev.vmlaunch.lkvm.LkvmIpc;
import dev.vmlaunch.supervise.GuestState;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kvmtool path. kvmtool is not installed here: fakes/fake-lkvm stands in for {@code lkvm run} (it serves
 * kvmtool's IPC on ~/.lkvm/NAME.sock and boots nothing), and {@link FakeLkvmServer} for kvmtool guests started
 * outside vmlaunch. What is real: the supervisor, its socket watch, the IPC client, the stop sequence and signals.
 */
class LkvmSupervisionIT {
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

    /**
     * A guest of the fake kvmtool. Its devices are managed (the recording custody "binds" them), so that run's host
     * checks pass as on a ready host; what these tests watch is kvmtool's side.
     */
    Path lkvmGuest(String name, String params, String... devices) throws Exception {
        StringBuilder pt = new StringBuilder();
        for (String d : devices) {
            env.hostDevice(d);
            pt.append(pt.length() == 0 ? "" : ", ")
                    .append("{\"host\": \"")
                    .append(d)
                    .append("\", \"managed\": true}");
        }
        return env.writeGuest(
                name,
                "{\"name\": \"" + name + "\", \"vmm\": \"lkvm\", \"binary\": \""
                        + SupervisionEnv.FAKES.resolve("fake-lkvm") + "\", \"kernel\": \""
                        + SupervisionEnv.FAKES.resolve("fake-lkvm") + "\""
                        + (params == null ? "" : ", \"cmdline\": \"" + params + "\"") + ", \"passthrough\": [" + pt
                        + "]}");
    }

    @Test
    void anLkvmGuestIsReadyWhenItsSocketAnswersAndStopsWithIpcStop() throws Exception {
        VmlaunchProcess run = env.vmlaunch("run", "-d", lkvmGuest("lk", null).toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("lk");
        Path sock = env.home.resolve(".lkvm/lk.sock");
        assertEquals(sock.toString(), s.lkvmSocket());
        assertTrue(Files.exists(sock));

        Map<String, JsonNode> listed = env.list(false);
        assertEquals(1, listed.size(), "its socket is not listed a second time as a foreign kvmtool: " + listed);
        assertEquals("running", listed.get("lk").path("state").asText());

        try (LkvmIpc ipc = LkvmIpc.connect(sock, Duration.ofSeconds(2))) {
            ipc.pause();
        }
        VmlaunchProcess status = env.vmlaunch("status", "--json", "lk");
        assertEquals(0, status.exitCode(), status.transcript());
        JsonNode st = SupervisionEnv.JSON.readTree(status.stdoutText());
        assertEquals("paused", st.path("lkvm").path("vmstate").asText());
        assertEquals(s.pid().longValue(), st.path("lkvm").path("pid").asLong());

        VmlaunchProcess stop = env.vmlaunch("stop", "lk");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertEquals("lk: stopped (IPC STOP)", stop.stdout().get(0));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> env.state("lk").state().equals("stopped"));
        assertEquals("host-stop", env.state("lk").exit().how());
        assertFalse(Files.exists(sock));
        assertTrue(
                Files.readString(env.state.resolve("lk/console.log")).contains("lkvm run --name lk"),
                "kvmtool's console (its stdout) is the guest's console.log");
    }

    @Test
    void aGuestThatFloodsItsConsoleKeepsConsoleLogUnderItsCapAndLogsShowsTheNewestOutput() throws Exception {
        VmlaunchProcess run = env.vmlaunch(
                "run", "-d", lkvmGuest("flood", "fake-lkvm.flood=12").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        Path log = env.state.resolve("flood/console.log");
        Path rotated = env.state.resolve("flood/console.log.1");
        long cap = dev.vmlaunch.supervise.LogRotation.CAP;
        await("the flood to end, rotated")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> ((Files.exists(log) && Files.readString(log).contains("flood done"))
                                || (Files.exists(rotated)
                                        && Files.readString(rotated).contains("flood done")))
                        && Files.size(log) < cap);
        assertTrue(Files.exists(rotated), "console.log.1 holds the output before");
        assertTrue(Files.size(log) + Files.size(rotated) < 12L << 20, "the oldest output was dropped");

        VmlaunchProcess logs = env.vmlaunch("logs", "--console", "flood");
        assertEquals(0, logs.exitCode(), logs.transcript());
        List<String> lines = logs.stdout();
        assertEquals(
                "flood done",
                lines.get(lines.size() - 1),
                "console.log " + Files.size(log) + " B, console.log.1 " + Files.size(rotated) + " B");
        assertFalse(lines.get(0).contains("flood line 0000000"), "starts after the dropped part: " + lines.get(0));
        assertTrue(lines.size() < 12 * 16384, "lines " + lines.size());

        VmlaunchProcess stop = env.vmlaunch("stop", "flood");
        assertEquals(0, stop.exitCode(), stop.transcript());
    }

    @Test
    void kvmtoolsVfioErrorFailsTheStartInsteadOfBootingWithoutTheDevice() throws Exception {
        VmlaunchProcess run = env.cli(
                "run",
                "-d",
                lkvmGuest("novfio", "fake-lkvm.vfio-error", "0000:06:00.0").toString());
        assertEquals(3, run.exitCode(), run.transcript());
        assertTrue(run.stderrText().contains("Error: Failed to open /dev/vfio/vfio"), run.transcript());
        GuestState s = env.state("novfio");
        assertEquals("crashed", s.state());
        assertEquals("start-failed", s.exit().how());
        assertFalse(SupervisionEnv.alive(s.pid(), s.pidStart()));
        assertFalse(Files.exists(env.home.resolve(".lkvm/novfio.sock")));
    }

    @Test
    void withPassthroughDevicesTheSocketAloneIsNotReady() throws Exception {
        VmlaunchProcess run = env.cli(
                "run",
                "-d",
                "--ready-timeout",
                "2",
                lkvmGuest("novfio2", null, "0000:06:00.0").toString());
        assertEquals(1, run.exitCode(), run.transcript());
        assertTrue(
                run.stderrText().contains("the socket answers, but kvmtool has not opened /dev/vfio/vfio"),
                run.transcript());
        GuestState s = env.state("novfio2");
        assertEquals("start-failed", s.exit().how());
        assertFalse(SupervisionEnv.alive(s.pid(), s.pidStart()));
    }

    @Test
    void listShowsKvmtoolGuestsStartedOutsideVmlaunchAndRemovesDeadSockets() throws Exception {
        Path dir = Files.createDirectories(env.home.resolve(".lkvm"));
        try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ss.bind(UnixDomainSocketAddress.of(dir.resolve("ghost.sock")));
        }
        // The "kvmtool" outside reports the pid of an unrelated live process: stop must not signal it.
        Process stand = new ProcessBuilder("sleep", "300").start();
        try (FakeLkvmServer outside = FakeLkvmServer.start(dir.resolve("outside.sock"), (int) stand.pid())) {
            VmlaunchProcess table = env.vmlaunch("list");
            assertEquals(0, table.exitCode(), table.transcript());
            assertTrue(
                    table.stdoutText()
                            .lines()
                            .anyMatch(l -> l.matches("\\s*" + stand.pid() + " outside\\s+lkvm\\s+running.*")),
                    table.transcript());
            assertTrue(table.stdoutText().contains("ghost"), "a dead socket is reported: " + table.transcript());
            assertFalse(Files.exists(dir.resolve("ghost.sock")), "... and not kept");

            Map<String, JsonNode> listed = env.list(false);
            assertEquals("lkvm", listed.get("outside").path("source").asText());
            assertEquals(stand.pid(), listed.get("outside").path("pid").asLong());
            assertFalse(listed.containsKey("ghost"));

            VmlaunchProcess stop = env.vmlaunch("stop", "--timeout", "1", "outside");
            assertEquals(1, stop.exitCode(), stop.transcript());
            assertTrue(outside.stopped(), "IPC STOP was sent");
            assertTrue(
                    stop.stderrText().contains("outside: sent IPC STOP, but")
                            && stop.stderrText().contains("no signal sent: pid " + stand.pid() + " (sleep) runs"),
                    stop.transcript());
            assertTrue(stand.isAlive(), "the process the socket named is not ours to signal");
        } finally {
            stand.destroyForcibly();
        }
    }
}
