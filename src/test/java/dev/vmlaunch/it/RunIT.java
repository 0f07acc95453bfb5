package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real QEMU under TCG booting the real test images through ./vmlaunch run, stopped the way a user stops it. */
class RunIT {
    @TempDir
    Path state;

    Map<String, String> env() {
        return Map.of("VMLAUNCH_STATE", state.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64"})
    void bootsTheTestImageAndCtrlCPowersTheGuestDown(String arch) throws Exception {
        try (VmlaunchProcess p = VmlaunchProcess.start(env(), "run", "examples/hello-" + arch + ".json")) {
            p.awaitOutputLine("vmlaunch: guest ready (kernel", Duration.ofMinutes(4));
            p.awaitOutputLine("vmlaunch: mounted 9p share examples", Duration.ofSeconds(5));
            p.signal("INT");
            int code = p.waitFor(Duration.ofMinutes(2));
            assertEquals(0, code, p.transcript());
            assertTrue(p.stderrText().contains("stopped (power button pressed "), p.transcript());
            assertTrue(p.stderrText().contains("exited normally"), p.transcript());
        }
        Path runDir = state.resolve("hello-" + arch);
        assertTrue(
                Files.readString(runDir.resolve("console.log")).contains("vmlaunch: guest ready"),
                "the console is logged in the run directory");
        assertFalse(Files.exists(runDir.resolve("qmp.sock")), "sockets are removed when the guest ends");
    }

    @Test
    void aVmmThatFailsIsExitCode1WithItsStatus(@TempDir Path dir) throws Exception {
        Path guest = dir.resolve("bad.json");
        Files.writeString(
                guest,
                "{\"name\":\"bad\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"extraArgs\":[\"-device\",\"no-such-device\"]}");
        VmlaunchProcess p = VmlaunchProcess.run(env(), "run", guest.toString());
        assertEquals(1, p.exitCode(), p.transcript());
        assertTrue(p.stderrText().contains("qemu-system-x86_64 exited with status 1"), p.transcript());
    }

    @Test
    void aMissingPassthroughDeviceIsRefusedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
        Path guest = dir.resolve("pt.json");
        Files.writeString(
                guest,
                "{\"name\":\"pt\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"passthrough\":[{\"host\":\"0000:7f:1f.7\"}]}");
        VmlaunchProcess p = VmlaunchProcess.run(env(), "run", guest.toString());
        assertEquals(3, p.exitCode(), p.transcript());
        assertTrue(
                p.stderrText().contains("passthrough device 0000:7f:1f.7 does not exist on this host"), p.transcript());
        assertFalse(Files.exists(state.resolve("pt")), "nothing was created");
    }

    @Test
    void aBadConfigIsExitCode2WithTheLocation(@TempDir Path dir) throws Exception {
        Path guest = dir.resolve("typo.json");
        Files.writeString(guest, "{\n  \"name\": \"t\",\n  \"vmm\": \"qemu\",\n  \"cpus\": \"two\"\n}\n");
        VmlaunchProcess p = VmlaunchProcess.run(env(), "run", guest.toString());
        assertEquals(2, p.exitCode(), p.transcript());
        assertEquals(
                guest + ":4:11: $.cpus: expected an integer, found a string",
                p.stderr().get(p.stderr().size() - 1));
    }

    @Test
    void aSecondGuestWithARunningGuestsNameIsRefused() throws Exception {
        try (VmlaunchProcess first = VmlaunchProcess.start(env(), "run", "examples/hello-x86_64.json")) {
            first.awaitOutputLine("vmlaunch: starting qemu guest", Duration.ofMinutes(1));
            VmlaunchProcess second = VmlaunchProcess.run(env(), "run", "examples/hello-x86_64.json");
            assertEquals(2, second.exitCode(), second.transcript());
            assertTrue(
                    second.stderrText().contains("a guest named \"hello-x86_64\" is already running"),
                    second.transcript());
            first.signal("INT");
            first.signal("INT");
            first.waitFor(Duration.ofMinutes(1));
        }
    }
}
