package dev.vmlaunch.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.lkvm.LkvmInstances;
import dev.vmlaunch.supervise.GuestState;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A detached kvmtool guest's console: the real supervisor runs fakes/fake-lkvm on a real pseudo-terminal (openpty
 * through jnr), pumps it into console.log and serves console.sock. fake-lkvm behaves like kvmtool with a shell on
 * its serial console (see its header). What is real: the terminal, the sockets, the CLI, the stop sequence.
 */
class LkvmConsoleIT {
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

    Path guest(String name, String extra) throws Exception {
        return env.writeGuest(
                name,
                "{\"name\": \"" + name + "\", \"vmm\": \"lkvm\", \"binary\": \""
                        + SupervisionEnv.FAKES.resolve("fake-lkvm") + "\", \"kernel\": \""
                        + SupervisionEnv.FAKES.resolve("fake-lkvm") + "\"" + extra + "}");
    }

    VmlaunchProcess runDetached(String name, String extra, Map<String, String> moreEnv) throws Exception {
        Map<String, String> e = new HashMap<>(env.env());
        e.putAll(moreEnv);
        VmlaunchProcess run =
                VmlaunchProcess.run(e, "run", "-d", guest(name, extra).toString());
        assertEquals(0, run.exitCode(), run.transcript());
        return run;
    }

    /** Types {@code line} + Enter on console.sock and returns what came back until {@code until} was seen. */
    static String type(Path consoleSock, String line, String until) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(consoleSock));
            ch.write(ByteBuffer.wrap((line + "\r").getBytes(StandardCharsets.US_ASCII)));
            return readUntil(ch, until);
        }
    }

    static String readUntil(SocketChannel ch, String until) throws IOException {
        StringBuilder got = new StringBuilder();
        ByteBuffer b = ByteBuffer.allocate(4096);
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        ch.configureBlocking(false);
        while (!got.toString().contains(until)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("did not see \"" + until + "\" on the console; got: " + got);
            }
            b.clear();
            int n = ch.read(b);
            if (n < 0) {
                break;
            }
            if (n == 0) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            got.append(new String(b.array(), 0, Math.max(0, n), StandardCharsets.ISO_8859_1));
        }
        return got.toString();
    }

    Path sock(String name) {
        return env.state.resolve(name).resolve("console.sock");
    }

    @Test
    void aDetachedKvmtoolRunsOnATerminalServedOnConsoleSockAndLoggedToConsoleLog() throws Exception {
        runDetached("tty", "", Map.of());
        GuestState s = env.state("tty");
        assertEquals(sock("tty").toString(), s.consoleSocket());
        assertEquals("poweroff", s.stopConsoleCommand());
        String answer = type(sock("tty"), "tty", "/ # ");
        assertTrue(answer.matches("(?s).*tty: /dev/pts/\\d+.*"), "kvmtool's stdin is a terminal: " + answer);
        type(sock("tty"), "echo over the socket", "over the socket\r\n");

        VmlaunchProcess logs = env.vmlaunch("logs", "--console", "tty");
        assertEquals(0, logs.exitCode(), logs.transcript());
        assertTrue(logs.stdoutText().contains("Linux version 6.1.0-fake"), logs.transcript());
        assertTrue(
                logs.stdoutText().contains("over the socket"),
                "what the guest echoed is in the log: " + logs.transcript());
    }

    @Test
    void vmlaunchConsoleAttachesToAKvmtoolGuestAndCtrlBracketDetaches() throws Exception {
        runDetached("att", "", Map.of());
        VmlaunchProcess console = VmlaunchProcess.start(env.env(), "console", "att");
        try {
            console.awaitOutputLine("connected to the console of \"att\"", Duration.ofSeconds(60));
            console.stdin().write("tty\r".getBytes(StandardCharsets.US_ASCII));
            console.stdin().flush();
            console.awaitOutputLine("tty: /dev/pts/", Duration.ofSeconds(20));
            console.stdin().write(0x1d);
            console.stdin().flush();
            assertEquals(0, console.waitFor(Duration.ofSeconds(20)), console.transcript());
        } finally {
            console.close();
        }
        assertTrue(console.stderrText().contains("vmlaunch: detached"), console.transcript());
        assertEquals("running", env.list(false).get("att").path("state").asText(), "the guest keeps running");
    }

    @Test
    void logsFollowShowsTheConsoleAsTheGuestPrintsIt() throws Exception {
        runDetached("follow", "", Map.of());
        VmlaunchProcess follow = VmlaunchProcess.start(env.env(), "logs", "-f", "--console", "follow");
        try {
            follow.awaitOutputLine("Run /init as init process", Duration.ofSeconds(60));
            type(sock("follow"), "echo followed line", "followed line\r\n");
            follow.awaitOutputLine("followed line", Duration.ofSeconds(20));
        } finally {
            follow.close();
        }
    }

    @Test
    void stopTypesPoweroffOnTheConsoleAndSaysThatIsWhatEndedTheGuest() throws Exception {
        runDetached("soft", "", Map.of());
        type(sock("soft"), "echo ready", "ready\r\n");
        VmlaunchProcess stop = env.vmlaunch("stop", "soft");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertTrue(
                stop.stdout().get(0).startsWith("soft: stopped (typed 'poweroff' on the console; kvmtool exited "),
                stop.transcript());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> env.state("soft").state().equals("stopped"));
        assertEquals("host-stop", env.state("soft").exit().how());
        String log = Files.readString(env.state.resolve("soft/console.log"));
        assertTrue(log.contains("reboot: Power down") && log.contains("KVM session ended normally"), log);
        assertFalse(Files.exists(sock("soft")));
    }

    @Test
    void aConsoleThatIsNoShellCostsOneStepAndIpcStopEndsTheGuest() throws Exception {
        runDetached("deaf", "", Map.of("FAKE_LKVM_DEAF", "1"));
        VmlaunchProcess stop = env.vmlaunch("stop", "--timeout", "2", "deaf");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertEquals("deaf: stopped (IPC STOP)", stop.stdout().get(0), stop.transcript());
        assertTrue(
                stop.stderrText().contains("deaf: typed 'poweroff' on the console: still running after 2 s"),
                stop.transcript());
    }

    @Test
    void aGuestThatOnlyHaltsOnPoweroffIsEndedByIpcStopAtOnceNotAfterTheStepsTime() throws Exception {
        runDetached("halts", "", Map.of("FAKE_LKVM_POWEROFF_HALTS", "1"));
        type(sock("halts"), "echo ready", "ready\r\n");
        VmlaunchProcess stop = env.vmlaunch("stop", "--timeout", "300", "halts");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertEquals("halts: stopped (IPC STOP)", stop.stdout().get(0), stop.transcript());
        assertTrue(
                stop.stderrText()
                        .contains("the guest halted (console: \"[   12.000000] reboot: System halted\"); "
                                + "kvmtool keeps running a halted guest, so IPC STOP now"),
                stop.transcript());
        assertFalse(stop.stderrText().contains("still running after"), stop.transcript());
    }

    @Test
    void aGuestWithoutAConsoleCommandGoesStraightToIpcStop() throws Exception {
        runDetached("nocmd", ", \"stop\": {\"consoleCommand\": null}", Map.of());
        VmlaunchProcess stop = env.vmlaunch("stop", "nocmd");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertEquals("nocmd: stopped (IPC STOP)", stop.stdout().get(0), stop.transcript());
        assertFalse(Files.readString(env.state.resolve("nocmd/console.log")).contains("poweroff"));
    }

    @Test
    void aKernelPanicUnderKvmtoolIsRecordedAsAPanicNotAShutdown() throws Exception {
        runDetached("panics", "", Map.of());
        type(sock("panics"), "panic", "KVM session ended normally");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> env.state("panics").state().equals("crashed"));
        GuestState s = env.state("panics");
        assertEquals("panic", s.exit().how());
        assertTrue(
                s.exit().detail().contains("Kernel panic - not syncing: Attempted to kill init!"),
                s.exit().detail());
        JsonNode listed = env.list(true).get("panics");
        assertEquals("crashed", listed.path("state").asText());
        assertTrue(listed.path("note").asText().startsWith("panic: the guest kernel panicked"), listed.toString());
    }

    @Test
    void aGuestRebootAndAPowerOffAreToldApart() throws Exception {
        runDetached("reboots", "", Map.of());
        type(sock("reboots"), "reboot", "KVM session ended normally");
        runDetached("powers", "", Map.of());
        type(sock("powers"), "poweroff", "KVM session ended normally");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> env.state("reboots").state().equals("stopped")
                        && env.state("powers").state().equals("stopped"));
        assertEquals("guest-reboot", env.state("reboots").exit().how());
        assertEquals("guest-shutdown", env.state("powers").exit().how());
        assertTrue(
                env.state("powers").exit().detail().startsWith("the guest powered off (console: "),
                env.state("powers").exit().detail());
        VmlaunchProcess status = env.vmlaunch("status", "reboots");
        assertTrue(status.stdoutText().contains("ended:     guest-reboot: the guest rebooted"), status.transcript());
    }

    @Test
    void pauseAndResumeAKvmtoolGuestShowInListAndStatus() throws Exception {
        runDetached("pz", "", Map.of());
        VmlaunchProcess pause = env.vmlaunch("pause", "pz");
        assertEquals(0, pause.exitCode(), pause.transcript());
        assertEquals("pz: paused", pause.stdout().get(0));
        assertEquals("paused", env.list(false).get("pz").path("state").asText());
        VmlaunchProcess status = env.vmlaunch("status", "--json", "pz");
        assertEquals(
                "paused",
                SupervisionEnv.JSON.readTree(status.stdoutText()).path("state").asText());

        // A paused guest reads nothing: what is typed waits for the resume.
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock("pz")));
            ch.write(ByteBuffer.wrap("echo after resume\r".getBytes(StandardCharsets.US_ASCII)));
            VmlaunchProcess resume = env.vmlaunch("resume", "pz");
            assertEquals(0, resume.exitCode(), resume.transcript());
            assertEquals("pz: running", resume.stdout().get(0));
            readUntil(ch, "after resume\r\n");
        }
        assertEquals("running", env.list(false).get("pz").path("state").asText());

        VmlaunchProcess unknown = env.vmlaunch("pause", "nosuch");
        assertEquals(2, unknown.exitCode(), unknown.transcript());
        assertTrue(unknown.stderrText().contains("no guest named \"nosuch\""), unknown.transcript());
    }

    @Test
    void aPausedKvmtoolGuestIsStoppedWithIpcStopWithoutTypingIntoIt() throws Exception {
        runDetached("pzstop", "", Map.of());
        assertEquals(0, env.vmlaunch("pause", "pzstop").exitCode());
        VmlaunchProcess stop = env.vmlaunch("stop", "pzstop");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertEquals("pzstop: stopped (IPC STOP)", stop.stdout().get(0), stop.transcript());
        VmlaunchProcess again = env.vmlaunch("resume", "pzstop");
        assertEquals(1, again.exitCode(), "a guest that is not running cannot be resumed: " + again.transcript());
    }

    @Test
    void lkvmListParityHoldsForAGuestStartedWithAnotherHome() throws Exception {
        Path otherHome = Files.createDirectories(tmp.resolve("other-home"));
        runDetached("elsewhere", "", Map.of("HOME", otherHome.toString()));
        GuestState s = env.state("elsewhere");
        Path sock = otherHome.resolve(".lkvm/elsewhere.sock");
        assertEquals(sock.toString(), s.lkvmSocket(), "kvmtool puts its socket under the HOME it was started with");

        // What `lkvm list` does with that HOME: PID and VMSTATE on the socket.
        List<LkvmInstances.Instance> seen = LkvmInstances.scan(otherHome.resolve(".lkvm"), Duration.ofSeconds(2));
        assertEquals(1, seen.size(), seen.toString());
        assertEquals(s.pid().longValue(), seen.get(0).pid());
        assertEquals("running", seen.get(0).state().json());

        // vmlaunch under the default HOME still lists it once, from its state, and pause reaches its recorded socket.
        Map<String, JsonNode> listed = env.list(false);
        assertEquals(1, listed.size(), listed.toString());
        assertEquals(s.pid().longValue(), listed.get("elsewhere").path("pid").asLong());
        assertEquals(0, env.vmlaunch("pause", "elsewhere").exitCode());
        assertEquals(
                "paused",
                LkvmInstances.scan(otherHome.resolve(".lkvm"), Duration.ofSeconds(2))
                        .get(0)
                        .state()
                        .json());
        assertEquals("paused", env.list(false).get("elsewhere").path("state").asText());
        assertEquals(0, env.vmlaunch("stop", "elsewhere").exitCode());
        assertFalse(Files.exists(sock));
    }
}
