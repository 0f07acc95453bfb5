package dev.vmlaunch.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.RecordingCustody;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGTERM and SIGHUP to a foreground {@code vmlaunch run} are handled like Ctrl-C: the guest is stopped, its
 * managed devices are given back and its end is recorded before vmlaunch exits. Real supervisor, real QEMU
 * ({@code -machine none}: its power button does nothing, so the stop goes on to QMP quit).
 */
class StopSignalsIT {
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

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "HUP"})
    void aSignalToAForegroundRunStopsTheGuestAndGivesItsDevicesBack(String signal) throws Exception {
        String name = "sig" + signal.toLowerCase(Locale.ROOT);
        Path guest = env.noneGuest(name, "0000:03:00.0");
        try (VmlaunchProcess run = VmlaunchProcess.startCommand(
                env.cliEnv(), SupervisionEnv.cliCommand("run", "--stop-timeout", "2", guest.toString()))) {
            await("running")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> env.stateIfReadable(name)
                            .map(s -> s.state().equals("running"))
                            .orElse(false));
            GuestState s = env.state(name);
            run.signal(signal);
            int code = run.waitFor(Duration.ofMinutes(1));
            assertEquals(0, code, run.transcript());
            assertTrue(
                    run.stderrText().contains("vmlaunch: SIG" + signal + ": stopping guest \"" + name + "\""),
                    run.transcript());
            assertFalse(SupervisionEnv.alive(s.pid(), s.pidStart()), "QEMU is gone");
            GuestState end = env.state(name);
            assertEquals("stopped", end.state(), run.transcript());
            assertEquals(true, end.devicesRestored());
            List<String> calls = RecordingCustody.calls(env.state);
            assertEquals(
                    List.of(
                            "bind " + name + " 0000:03:00.0 pid=" + run.pid(),
                            "restore " + name + " 0000:03:00.0 pid=" + run.pid()),
                    calls);
        }
    }
}
