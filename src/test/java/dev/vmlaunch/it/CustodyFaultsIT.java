package dev.vmlaunch.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.RecordingCustody;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Managed devices come back on every exit path, with real supervisor JVMs and real QEMU processes
 * ({@code -machine none}); the recording DeviceCustody stands in for sysfs and injects the faults (a bind that
 * hangs until the supervisor is SIGKILLed, restores that fail).
 */
class CustodyFaultsIT {
    private static final Duration SOON = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    SupervisionEnv env;

    @BeforeEach
    void setUp() throws Exception {
        env = new SupervisionEnv(tmp);
    }

    @AfterEach
    void tearDown() throws Exception {
        Files.deleteIfExists(env.state.resolve("custody.hold-bind"));
        Files.deleteIfExists(env.state.resolve("custody.fail-restore"));
        env.close();
    }

    /** Starts "run -d NAME" whose supervisor hangs in the bind, and SIGKILLs that supervisor there. */
    private GuestState killSupervisorWhileBinding(String name, String... devices) throws Exception {
        Path guest = env.noneGuest(name, devices);
        Files.writeString(env.state.resolve("custody.hold-bind"), "");
        try (VmlaunchProcess run =
                VmlaunchProcess.startCommand(env.cliEnv(), SupervisionEnv.cliCommand("run", "-d", guest.toString()))) {
            await("bind logged")
                    .atMost(SOON)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() ->
                            RecordingCustody.calls(env.state).stream().anyMatch(l -> l.startsWith("bind " + name)));
            GuestState s = env.state(name);
            assertEquals(List.of(), s.managedDevices(), "the state does not name the devices yet");
            SupervisionEnv.signal(s.supervisorPid(), "KILL");
            await("supervisor gone")
                    .atMost(SOON)
                    .until(() -> !SupervisionEnv.alive(s.supervisorPid(), s.supervisorStart()));
            run.waitFor(Duration.ofMinutes(1));
            Files.delete(env.state.resolve("custody.hold-bind"));
            return s;
        }
    }

    private List<String> calls() throws Exception {
        return RecordingCustody.calls(env.state);
    }

    @Test
    void stopGivesBackWhatASupervisorKilledWhileBindingLeftBehind() throws Exception {
        killSupervisorWhileBinding("midbind", "0000:03:00.0", "0000:04:00.0");
        assertEquals(1, calls().size(), calls().toString());

        VmlaunchProcess stop = env.cli("stop", "--timeout", "2", "midbind");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertEquals(2, calls().size(), calls().toString());
        assertTrue(calls().get(1).startsWith("restore midbind 0000:03:00.0,0000:04:00.0 pid="), calls().toString());
        GuestState end = env.state("midbind");
        assertEquals(true, end.devicesRestored());
        assertEquals(List.of("0000:03:00.0", "0000:04:00.0"), end.managedDevices());
    }

    @Test
    void theNextRunOfTheNameGivesThemBackBeforeItBindsAgain() throws Exception {
        killSupervisorWhileBinding("rerun", "0000:03:00.0");
        VmlaunchProcess again =
                env.cli("run", "-d", env.noneGuest("rerun", "0000:03:00.0").toString());
        assertEquals(0, again.exitCode(), again.transcript());
        List<String> c = calls();
        assertEquals(3, c.size(), c.toString());
        assertTrue(c.get(1).startsWith("restore rerun 0000:03:00.0 pid="), c.toString());
        assertTrue(c.get(2).startsWith("bind rerun 0000:03:00.0 pid="), c.toString());
        assertEquals("running", env.state("rerun").state());
    }

    @Test
    void aFailedRestoreMakesTheNextRunRefuseUntilTheDevicesCanBeGivenBack() throws Exception {
        Path guest = env.noneGuest("stuck", "0000:03:00.0");
        VmlaunchProcess run = env.cli("run", "-d", guest.toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("stuck");
        Files.writeString(env.state.resolve("custody.fail-restore"), "");
        SupervisionEnv.signal(s.pid(), "KILL");
        await("crash recorded").atMost(SOON).pollInterval(Duration.ofMillis(50)).until(() -> env.state("stuck")
                .state()
                .equals("crashed"));
        assertEquals(false, env.state("stuck").devicesRestored());

        VmlaunchProcess refused = env.cli("run", "-d", guest.toString());
        assertEquals(3, refused.exitCode(), refused.transcript());
        assertTrue(
                refused.stderrText()
                        .contains("an earlier run of \"stuck\" left [0000:03:00.0] bound to vfio-pci"
                                + " and they could not be given back"),
                refused.transcript());
        assertTrue(refused.stderrText().contains("'vmlaunch unbind --owner stuck'"), refused.transcript());
        assertFalse(calls().stream().filter(l -> l.startsWith("bind stuck")).count() > 1, "nothing was bound again");
        assertEquals("crashed", env.state("stuck").state(), "nothing was started");

        Files.delete(env.state.resolve("custody.fail-restore"));
        VmlaunchProcess ok = env.cli("run", "-d", guest.toString());
        assertEquals(0, ok.exitCode(), ok.transcript());
        List<String> c = calls();
        assertTrue(c.get(c.size() - 2).startsWith("restore stuck 0000:03:00.0 pid="), c.toString());
        assertTrue(c.get(c.size() - 1).startsWith("bind stuck 0000:03:00.0 pid="), c.toString());
    }

    @Test
    void stopForceOnACorruptStateStillGivesBackTheDevicesItsRecordsName() throws Exception {
        VmlaunchProcess run =
                env.cli("run", "-d", env.noneGuest("corrupt", "0000:03:00.0").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("corrupt");
        SupervisionEnv.signal(s.supervisorPid(), "KILL");
        await("supervisor gone")
                .atMost(SOON)
                .until(() -> !SupervisionEnv.alive(s.supervisorPid(), s.supervisorStart()));
        Files.write(env.state.resolve("corrupt/state.json"), new byte[] {'{', '"', 0x1b});

        VmlaunchProcess stop = env.cli("stop", "--force", "--timeout", "2", "corrupt");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertTrue(stop.stdoutText().contains("told its QEMU to quit; gave back [0000:03:00.0]"), stop.transcript());
        List<String> c = calls();
        assertTrue(c.get(c.size() - 1).startsWith("restore corrupt 0000:03:00.0 pid="), c.toString());
        await("QEMU gone").atMost(SOON).until(() -> !SupervisionEnv.alive(s.pid(), s.pidStart()));
    }
}
