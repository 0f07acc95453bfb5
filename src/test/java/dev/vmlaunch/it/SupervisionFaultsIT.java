package dev.vmlaunch.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.driver.ProcessIdentity;
import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.GuestStateFile;
import dev.vmlaunch.supervise.RecordingCustody;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faults supervision must survive, each against real QEMU processes ({@code -machine none}, see
 * fakes/qemu-machine-none) and real supervisor JVMs. Guests with managed devices run through the CLI on the test
 * class path so that their supervisors use the recording DeviceCustody.
 */
class SupervisionFaultsIT {
    private static final Duration SOON = Duration.ofSeconds(10);

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
    void aVmmKilledWithSigkillIsRecordedAsCrashedAndItsDevicesAreGivenBack() throws Exception {
        VmlaunchProcess run =
                env.cli("run", "-d", env.noneGuest("victim", "0000:03:00.0").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("victim");
        assertEquals("running", s.state());
        assertEquals("victim " + s.pid(), run.stdout().get(0));
        assertEquals(List.of("bind victim 0000:03:00.0 pid=" + s.supervisorPid()), RecordingCustody.calls(env.state));

        Instant killed = Instant.now();
        SupervisionEnv.signal(s.pid(), "KILL");
        await("state crashed").atMost(SOON).pollInterval(Duration.ofMillis(20)).until(() -> env.state("victim")
                .state()
                .equals("crashed"));
        GuestState end = env.state("victim");
        System.out.println("SIGKILL to state=crashed: "
                + Duration.between(killed, Instant.parse(end.since())).toMillis() + " ms");
        assertEquals("crash-signal", end.exit().how());
        assertEquals(9, end.exit().signal());
        assertEquals(true, end.devicesRestored());
        assertEquals(
                List.of(
                        "bind victim 0000:03:00.0 pid=" + s.supervisorPid(),
                        "restore victim 0000:03:00.0 pid=" + s.supervisorPid()),
                RecordingCustody.calls(env.state));
        assertEquals(List.of(), env.sockets("victim"));
        await("supervisor exits")
                .atMost(SOON)
                .until(() -> !SupervisionEnv.alive(s.supervisorPid(), s.supervisorStart()));
        JsonNode listed = env.list(true).get("victim");
        assertEquals("crashed", listed.path("state").asText());
        assertEquals(false, env.list(false).containsKey("victim"), "a crashed guest is listed only with --all");
    }

    @Test
    void whenTheSupervisorIsKilledTheGuestKeepsRunningAndStopStillWorks() throws Exception {
        VmlaunchProcess run =
                env.cli("run", "-d", env.noneGuest("orphan", "0000:05:00.0").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("orphan");
        SupervisionEnv.signal(s.supervisorPid(), "KILL");
        await("supervisor gone")
                .atMost(SOON)
                .until(() -> !SupervisionEnv.alive(s.supervisorPid(), s.supervisorStart()));
        assertTrue(SupervisionEnv.alive(s.pid(), s.pidStart()), "the guest outlives its supervisor");

        JsonNode listed = env.list(false).get("orphan");
        assertEquals("running", listed.path("state").asText());
        assertEquals(s.pid(), listed.path("pid").asLong());
        assertEquals(false, listed.path("supervised").asBoolean());

        VmlaunchProcess stop = env.cli("stop", "--timeout", "2", "orphan");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertEquals(
                List.of("orphan: stopped (quit)"), stop.stdout(), "the power button does nothing on -machine none");
        assertFalse(SupervisionEnv.alive(s.pid(), s.pidStart()));
        GuestState end = env.state("orphan");
        assertEquals("stopped", end.state());
        assertEquals("host-stop", end.exit().how());
        assertEquals(true, end.devicesRestored());
        List<String> calls = RecordingCustody.calls(env.state);
        assertEquals(2, calls.size(), calls.toString());
        assertTrue(calls.get(1).startsWith("restore orphan 0000:05:00.0 pid="), calls.toString());
        assertNotEquals(
                "restore orphan 0000:05:00.0 pid=" + s.supervisorPid(),
                calls.get(1),
                "stop gave the device back itself");
        assertEquals(List.of(), env.sockets("orphan"));
    }

    @Test
    void aQmpSocketThatNeverAnswersStillEndsTheProcessWithinTheStepTimeouts() throws Exception {
        VmlaunchProcess run = env.vmlaunch("run", "-d", env.noneGuest("frozen").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("frozen");
        // A stopped QEMU still accepts connections (the kernel queues them) but never greets: QMP that never answers.
        SupervisionEnv.signal(s.pid(), "STOP");
        try {
            VmlaunchProcess stop = env.vmlaunch("stop", "--timeout", "1", "frozen");
            assertEquals(0, stop.exitCode(), stop.transcript());
            assertEquals(List.of("frozen: stopped (SIGKILL)"), stop.stdout());
            assertTrue(stop.stderrText().contains("no QMP greeting"), stop.transcript());
            assertTrue(stop.stderrText().contains("quit failed: skipped"), stop.transcript());
            assertFalse(SupervisionEnv.alive(s.pid(), s.pidStart()));
            await().atMost(SOON).until(() -> env.state("frozen").state().equals("stopped"));
            assertEquals("host-stop", env.state("frozen").exit().how());
        } finally {
            SupervisionEnv.signal(s.pid(), "CONT");
        }
    }

    @Test
    void staleFoldersFromAnEarlierBootAreListedCleanedUpAndTheNameReused() throws Exception {
        ProcessIdentity me = ProcessIdentity.current();
        Path dir = Files.createDirectories(env.state.resolve("stale"));
        String then = "2024-06-01T10:00:00Z";
        // Its pids are live processes now (this JVM): only the boot id tells it is not them.
        GuestStateFile.write(
                dir.resolve("state.json"),
                new GuestState(
                        GuestState.VERSION,
                        "stale",
                        "qemu",
                        "qemu-system-x86_64",
                        "11111111-2222-3333-4444-555555555555",
                        me.pid(),
                        me.startTicks(),
                        me.pid(),
                        me.startTicks(),
                        false,
                        "running",
                        then,
                        then,
                        List.of("0000:04:00.0"),
                        List.of("0000:04:00.0"),
                        false,
                        null,
                        dir.resolve("qmp-cli.sock").toString(),
                        dir.resolve("console.sock").toString(),
                        null,
                        null,
                        null));
        for (String sock : List.of("qmp.sock", "qmp-cli.sock", "console.sock")) {
            try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                ss.bind(UnixDomainSocketAddress.of(dir.resolve(sock)));
            }
        }
        Files.writeString(dir.resolve("lock"), "12345\n");

        JsonNode listed = env.list(true).get("stale");
        assertEquals("crashed", listed.path("state").asText());
        assertEquals("lost", listed.path("exit").path("how").asText());
        assertTrue(listed.path("note").asText().contains("earlier boot"), listed.toString());
        assertFalse(env.list(false).containsKey("stale"));

        VmlaunchProcess run = env.cli("run", "-d", env.noneGuest("stale").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        assertEquals(
                List.of("restore stale 0000:04:00.0 pid=" + env.state("stale").supervisorPid()),
                RecordingCustody.calls(env.state),
                "the earlier guest's devices go back before the new guest starts");
        assertTrue(me.isAlive());
        VmlaunchProcess stop = env.vmlaunch("stop", "--force", "stale");
        assertEquals(0, stop.exitCode(), stop.transcript());
    }

    @Test
    void aReusedPidIsNeverTakenForTheGuest() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "300").start();
        try {
            ProcessIdentity real = ProcessIdentity.of(sleeper.pid()).orElseThrow();
            Path dir = Files.createDirectories(env.state.resolve("reused"));
            String then = Instant.now().minusSeconds(3600).toString();
            GuestStateFile.write(
                    dir.resolve("state.json"),
                    new GuestState(
                            GuestState.VERSION,
                            "reused",
                            "qemu",
                            "qemu-system-x86_64",
                            ProcessIdentity.bootId(),
                            real.pid(),
                            real.startTicks() - 500,
                            real.pid(),
                            real.startTicks() - 600,
                            false,
                            "running",
                            then,
                            then,
                            List.of(),
                            List.of(),
                            null,
                            null,
                            dir.resolve("qmp-cli.sock").toString(),
                            null,
                            null,
                            null,
                            null));

            assertEquals("crashed", env.list(true).get("reused").path("state").asText());
            VmlaunchProcess stop = env.vmlaunch("stop", "--timeout", "1", "reused");
            assertEquals(0, stop.exitCode(), stop.transcript());
            assertTrue(stop.stdoutText().contains("was not running"), stop.transcript());
            assertTrue(sleeper.isAlive(), "the process that now has the guest's old pid was left alone");
            assertEquals("crashed", env.state("reused").state());
            assertEquals("lost", env.state("reused").exit().how());
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void corruptAndTruncatedStateFilesAreListedAsBrokenNeverACrash() throws Exception {
        VmlaunchProcess run = env.vmlaunch("run", "-d", env.noneGuest("trunc").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("trunc");
        env.vmlaunch("stop", "--force", "trunc");
        byte[] full = Files.readAllBytes(env.state.resolve("trunc/state.json"));
        Files.write(env.state.resolve("trunc/state.json"), java.util.Arrays.copyOf(full, full.length / 2));
        Files.createDirectories(env.state.resolve("garbage"));
        Files.write(env.state.resolve("garbage/state.json"), new byte[] {0, (byte) 0xff, '{', 0x1b});
        Files.createDirectories(env.state.resolve("empty"));
        Files.write(env.state.resolve("empty/state.json"), new byte[0]);

        VmlaunchProcess table = env.vmlaunch("list");
        assertEquals(0, table.exitCode(), table.transcript());
        Map<String, JsonNode> listed = env.list(false);
        for (String name : List.of("trunc", "garbage", "empty")) {
            assertEquals("broken", listed.get(name).path("state").asText(), name);
            assertTrue(table.stdoutText().contains(name), table.transcript());
        }
        VmlaunchProcess status = env.vmlaunch("status", "trunc");
        assertEquals(0, status.exitCode(), status.transcript());
        assertTrue(status.stdoutText().contains("broken: state.json is not valid"), status.transcript());

        VmlaunchProcess refused = env.vmlaunch("stop", "trunc");
        assertEquals(1, refused.exitCode(), refused.transcript());
        assertTrue(refused.stderrText().contains("vmlaunch stop --force trunc"), refused.transcript());
        VmlaunchProcess cleared = env.vmlaunch("stop", "--force", "trunc");
        assertEquals(0, cleared.exitCode(), cleared.transcript());
        assertFalse(env.list(true).containsKey("trunc"));
        assertFalse(SupervisionEnv.alive(s.pid(), s.pidStart()));

        VmlaunchProcess again = env.vmlaunch("run", "-d", env.noneGuest("trunc").toString());
        assertEquals(0, again.exitCode(), again.transcript());
        assertEquals("running", env.list(false).get("trunc").path("state").asText());
    }

    @Test
    void twoRunDOfTheSameNameAtOnceStartOneGuest() throws Exception {
        Path guest = env.noneGuest("twin");
        VmlaunchProcess a = VmlaunchProcess.start(env.env(), "run", "-d", guest.toString());
        VmlaunchProcess b = VmlaunchProcess.start(env.env(), "run", "-d", guest.toString());
        int ca = a.waitFor(Duration.ofMinutes(2));
        int cb = b.waitFor(Duration.ofMinutes(2));
        List<Integer> codes = List.of(Math.min(ca, cb), Math.max(ca, cb));
        assertEquals(List.of(0, 2), codes, a.transcript() + "\n" + b.transcript());
        VmlaunchProcess loser = ca == 2 ? a : b;
        assertTrue(loser.stderrText().contains("a guest named \"twin\" is already running"), loser.transcript());
        Map<String, JsonNode> listed = env.list(false);
        assertEquals("running", listed.get("twin").path("state").asText());
        assertEquals(1, listed.size());
        long qemus = ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .arguments()
                        .map(List::of)
                        .map(args -> args.contains("twin") && args.contains("none"))
                        .orElse(false))
                .count();
        assertEquals(1, qemus, "one QEMU for the name");
    }
}
