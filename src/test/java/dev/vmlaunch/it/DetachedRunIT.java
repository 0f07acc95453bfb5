package dev.vmlaunch.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.supervise.EventLog;
import dev.vmlaunch.supervise.GuestState;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The x86_64 test image booted for real (TCG) under {@code run -d}: a user's whole session with a detached guest,
 * and a guest that ends on its own.
 */
class DetachedRunIT {
    private static final Duration BOOT = Duration.ofMinutes(4);
    private static final Path IMAGES = VmlaunchProcess.ROOT.resolve("test-images/out/x86_64");

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

    void awaitConsole(String name, String text) {
        Path log = env.state.resolve(name).resolve("console.log");
        await("\"" + text + "\" on the console of " + name)
                .atMost(BOOT)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> Files.exists(log) && Files.readString(log).contains(text));
    }

    @Test
    void aDetachedGuestIsUpListedAttachedToAndPoweredDownByStop() throws Exception {
        Instant t0 = Instant.now();
        VmlaunchProcess run = env.vmlaunch("run", "-d", "examples/hello-x86_64.json");
        assertEquals(0, run.exitCode(), run.transcript());
        System.out.println(
                "run -d returned after " + Duration.between(t0, Instant.now()).toMillis() + " ms");
        GuestState s = env.state("hello-x86_64");
        assertEquals(List.of("hello-x86_64 " + s.pid()), run.stdout());
        assertEquals(
                "running", env.list(false).get("hello-x86_64").path("state").asText());
        awaitConsole("hello-x86_64", "vmlaunch: guest ready (kernel");

        try (VmlaunchProcess console = VmlaunchProcess.start(env.env(), "console", "hello-x86_64")) {
            console.awaitOutputLine("Ctrl-] detaches", Duration.ofSeconds(30));
            OutputStream keys = console.stdin();
            keys.write("echo vml-$((6*7))\n".getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            console.awaitOutputLine("vml-42", Duration.ofSeconds(60));
            keys.write(0x1d);
            keys.flush();
            assertEquals(0, console.waitFor(Duration.ofSeconds(30)), console.transcript());
            assertTrue(console.stderrText().contains("vmlaunch: detached"), console.transcript());
        }

        VmlaunchProcess status = env.vmlaunch("status", "--json", "hello-x86_64");
        assertEquals(0, status.exitCode(), status.transcript());
        JsonNode st = SupervisionEnv.JSON.readTree(status.stdoutText());
        assertEquals("running", st.path("qmp").path("status").asText(), st.toString());
        assertEquals(
                "VMLAUNCH_READY",
                st.path("events")
                        .get(st.path("events").size() - 1)
                        .path("event")
                        .asText());

        VmlaunchProcess logs = env.vmlaunch("logs", "hello-x86_64");
        assertTrue(logs.stdoutText().contains("vmlaunch: guest ready"), logs.transcript());
        assertTrue(logs.stdoutText().contains("vml-42"), "what was typed on the console is in the log");
        assertTrue(logs.stdoutText().contains("[event] "), logs.transcript());

        Instant stopAt = Instant.now();
        VmlaunchProcess stop = env.vmlaunch("stop", "hello-x86_64");
        System.out.println("stop (power button) took "
                + Duration.between(stopAt, Instant.now()).toMillis() + " ms");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertEquals(1, stop.stdout().size(), stop.transcript());
        assertTrue(
                stop.stdout()
                        .get(0)
                        .matches("hello-x86_64: stopped \\(power button pressed (once|\\d+ times); "
                                + "guest powered off after \\d+\\.\\d s\\)"),
                stop.transcript());
        assertFalse(SupervisionEnv.alive(s.pid(), s.pidStart()));

        JsonNode ended = env.list(true).get("hello-x86_64");
        assertEquals("stopped", ended.path("state").asText());
        assertEquals("host-stop", ended.path("exit").path("how").asText());
        List<String> events = EventLog.read(env.state.resolve("hello-x86_64/events.jsonl")).stream()
                .map(EventLog.Entry::event)
                .toList();
        assertTrue(events.containsAll(List.of("POWERDOWN", "SHUTDOWN", "VMLAUNCH_EXITED")), events.toString());
        assertEquals(List.of(), env.sockets("hello-x86_64"));
        await("supervisor exits")
                .atMost(Duration.ofSeconds(10))
                .until(() -> !SupervisionEnv.alive(s.supervisorPid(), s.supervisorStart()));
    }

    @Test
    void aGuestThatPowersItselfOffIsRecordedAsAGuestShutdown() throws Exception {
        Path guest = env.writeGuest(
                "hello-poweroff",
                "{\"name\": \"hello-poweroff\", \"vmm\": \"qemu\", \"accel\": \"tcg\","
                        + " \"kernel\": \"" + IMAGES.resolve("vmlinuz") + "\", \"initrd\": \""
                        + IMAGES.resolve("initramfs.gz")
                        + "\", \"cmdline\": \"quiet vmlaunch.poweroff=1\"}");
        VmlaunchProcess run = env.vmlaunch("run", "-d", guest.toString());
        assertEquals(0, run.exitCode(), run.transcript());
        VmlaunchProcess follow = VmlaunchProcess.start(env.env(), "logs", "-f", "hello-poweroff");
        await("the guest powers itself off")
                .atMost(BOOT)
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> env.state("hello-poweroff").state().equals("stopped"));
        GuestState end = env.state("hello-poweroff");
        assertEquals("guest-shutdown", end.exit().how());
        assertEquals(0, end.exit().status());
        assertTrue(
                end.exit().detail().contains("SHUTDOWN reason guest-shutdown"),
                end.exit().detail());
        assertTrue(Files.readString(env.state.resolve("hello-poweroff/console.log"))
                .contains("guest ready"));
        assertEquals(0, follow.waitFor(Duration.ofSeconds(30)), "logs -f ends with the guest: " + follow.transcript());
        assertTrue(follow.stdoutText().contains("vmlaunch: guest ready"), follow.transcript());
        assertTrue(
                follow.stdout().stream().anyMatch(l -> l.startsWith("[event] ") && l.contains(" SHUTDOWN ")),
                follow.transcript());
        assertTrue(follow.stdout().stream().anyMatch(l -> l.contains("VMLAUNCH_EXITED")), follow.transcript());
    }
}
