package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real agent.sh run by a real shell on this host (the share is a temp folder, /proc and /sys are the host's):
 * the file protocol end to end. The same script runs inside guests in AgentIT and the lab.
 */
class GuestAgentTest {
    @TempDir
    Path share;

    /** Runs agent.sh as a guest's init would, with the token its kernel command line would carry. */
    Process startAgent(String shell, GuestAgent agent, String name) throws Exception {
        List<String> cmd = shell.equals("busybox")
                ? List.of("busybox", "sh", ".vmlaunch/" + name + "/agent.sh")
                : List.of(shell, ".vmlaunch/" + name + "/agent.sh");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(share.toFile())
                .redirectErrorStream(true)
                .redirectOutput(share.resolve(name + ".log").toFile());
        pb.environment().put("VMLAUNCH_TOKEN", agent.token());
        return pb.start();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sh", "busybox"})
    void announcesRunsCommandsInOrderAndStops(String shell) throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g1");
        Process p = startAgent(shell, agent, "g1");
        try {
            GuestAgent.Announcement a = agent.awaitAnnouncement(Duration.ofSeconds(20));
            assertEquals(
                    System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"), a.arch());
            assertTrue(a.cpus() >= 1);
            assertFalse(a.kernel().isEmpty());

            GuestAgent.CommandResult r1 =
                    agent.run("echo hello from $(pwd | xargs basename); exit 3", Duration.ofSeconds(20));
            assertEquals(1, r1.number());
            assertEquals(3, r1.exitCode());
            assertEquals("hello from " + share.getFileName() + "\n", r1.output(), "runs with the share as cwd");
            assertTrue(r1.interruptsBefore().contains("CPU0"), r1.interruptsBefore());
            assertTrue(r1.interruptsAfter().contains("CPU0"));

            GuestAgent.CommandResult r2 = agent.run("echo second >&2", Duration.ofSeconds(20));
            assertEquals(2, r2.number());
            assertEquals(0, r2.exitCode());
            assertEquals("second\n", r2.output(), "stderr is captured too");

            agent.stop();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the agent exits when asked");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void twoGuestsInOneShareKeepToTheirOwnFolders() throws Exception {
        GuestAgent a = GuestAgent.install(share, "virt1");
        GuestAgent b = GuestAgent.install(share, "virt2");
        Process pa = startAgent("sh", a, "virt1");
        Process pb = startAgent("sh", b, "virt2");
        try {
            assertEquals("a\n", a.run("echo a", Duration.ofSeconds(20)).output());
            assertEquals("b\n", b.run("echo b", Duration.ofSeconds(20)).output());
            assertEquals("a2\n", a.run("echo a2", Duration.ofSeconds(20)).output());
            assertTrue(Files.exists(share.resolve(".vmlaunch/virt1/res/2/exit")));
            assertFalse(Files.exists(share.resolve(".vmlaunch/virt2/res/2")));
        } finally {
            a.stop();
            b.stop();
            pa.destroyForcibly();
            pb.destroyForcibly();
        }
    }

    @Test
    void installClearsWhatAnEarlierRunLeft() throws Exception {
        GuestAgent.install(share, "g");
        Files.writeString(share.resolve(".vmlaunch/g/announce"), "version=2\n");
        Files.createDirectories(share.resolve(".vmlaunch/g/res/1"));
        GuestAgent.install(share, "g");
        assertFalse(Files.exists(share.resolve(".vmlaunch/g/announce")));
        assertFalse(Files.exists(share.resolve(".vmlaunch/g/res/1")));
        assertTrue(Files.exists(share.resolve(".vmlaunch/g/agent.sh")));
    }

    @Test
    void aSilentAgentTimesOutWithAClearMessage() {
        GuestAgent agent = GuestAgent.install(share, "quiet");
        VmlaunchException e =
                assertThrows(VmlaunchException.class, () -> agent.awaitAnnouncement(Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("the agent of guest \"quiet\" did not announce itself"), e.getMessage());
    }

    @Test
    void refusesNamesThatCouldWalkOutOfTheShare() {
        assertThrows(VmlaunchException.class, () -> GuestAgent.install(share, "../x"));
    }

    @Test
    void parsesDeviceLines() {
        GuestAgent.Announcement a = GuestAgent.Announcement.parse(List.of(
                "version=2",
                "kernel=6.1",
                "arch=aarch64",
                "cpus=4",
                "device=0000:00:02.0 8086:10d3 020000 e1000e 24,25,26",
                "device=0000:00:00.0 1b36:0008 060000 - -"));
        assertEquals(2, a.devices().size());
        assertEquals(List.of(24, 25, 26), a.find("8086", "10d3").get(0).msiIrqs());
        assertEquals(null, a.devices().get(1).driver());
    }
}
