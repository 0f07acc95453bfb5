package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile guest can plant in its share (9p with security_model=none, or kvmtool, makes its symlinks and FIFOs
 * real ones on the host) and what the host does about it: never follow, never open a non-regular file, never read
 * past the cap, never write through a link, and fail the guest with one line that names it.
 */
class ShareTamperingTest {
    @TempDir
    Path share;

    @TempDir
    Path outside;

    private Path agentDir(String name) {
        return share.resolve(".vmlaunch").resolve(name);
    }

    private static void mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor());
    }

    /** Writes a complete, correctly signed result for command 1, as the agent would. */
    private static void writeResult(GuestAgent agent, Path res, String output) throws Exception {
        Files.createDirectories(res);
        StringBuilder body = new StringBuilder("code=0\n");
        for (String f : GuestAgent.RESULT_FILES) {
            byte[] content = (f.equals("output") ? output : "").getBytes(StandardCharsets.UTF_8);
            Files.write(res.resolve(f), content);
            body.append(f).append('=').append(Signed.sha256Hex(content)).append('\n');
        }
        Files.write(res.resolve("exit"), Signed.sign(body.toString(), agent.token()));
    }

    @Test
    void aStopFileSymlinkedOutOfTheShareIsReplacedNotWrittenThrough() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "virt1");
        Path victim = outside.resolve("created-by-vmlaunch");
        Files.createSymbolicLink(agentDir("virt1").resolve("stop"), victim);
        VmlaunchException e = assertThrows(VmlaunchException.class, agent::stop);
        assertTrue(e.getMessage().startsWith("guest virt1 made .vmlaunch/virt1/stop a symlink"), e.getMessage());
        assertFalse(Files.exists(victim, LinkOption.NOFOLLOW_LINKS), "no file appeared outside the share");
        assertTrue(
                Files.isRegularFile(agentDir("virt1").resolve("stop"), LinkOption.NOFOLLOW_LINKS),
                "the agent still gets its stop file");
    }

    @Test
    void aStopFileSymlinkedToAnExistingHostFileLeavesItUntouched() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "virt1");
        Path victim = Files.writeString(outside.resolve("precious"), "keep me");
        Files.createSymbolicLink(agentDir("virt1").resolve("stop"), victim);
        assertThrows(VmlaunchException.class, agent::stop);
        assertEquals("keep me", Files.readString(victim), "not truncated");
    }

    @Test
    void anExitFileSymlinkedToAHostFileIsNotReadIntoTheReport() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g");
        Path secret = Files.writeString(outside.resolve("secret"), "0\n");
        Path res = Files.createDirectories(agentDir("g").resolve("res/1"));
        Files.createSymbolicLink(res.resolve("exit"), secret);
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> agent.run("true", Duration.ofSeconds(5)));
        assertEquals(
                "guest g made .vmlaunch/g/res/1/exit a symlink; the host does not follow or open it", e.getMessage());
    }

    @Test
    void anOutputSymlinkedToAHostFileIsRefused() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g");
        Path res = agentDir("g").resolve("res/1");
        writeResult(agent, res, "x");
        Path secret = Files.writeString(outside.resolve("secret"), "x");
        Files.delete(res.resolve("output"));
        Files.createSymbolicLink(res.resolve("output"), secret);
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> agent.run("true", Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains(".vmlaunch/g/res/1/output a symlink"), e.getMessage());
    }

    @Test
    void anOutputLinkedToDevZeroDoesNotExhaustMemory() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g");
        Path res = agentDir("g").resolve("res/1");
        writeResult(agent, res, "");
        Files.delete(res.resolve("output"));
        Files.createSymbolicLink(res.resolve("output"), Path.of("/dev/zero"));
        VmlaunchException e = assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> assertThrows(VmlaunchException.class, () -> agent.run("true", Duration.ofSeconds(5))));
        assertTrue(e.getMessage().contains("output a symlink"), e.getMessage());
    }

    @Test
    void aFifoInPlaceOfAResultFailsTheGuestInsteadOfHangingTheHost() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g");
        Path res = agentDir("g").resolve("res/1");
        writeResult(agent, res, "");
        Files.delete(res.resolve("interrupts.before"));
        mkfifo(res.resolve("interrupts.before"));
        VmlaunchException e = assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> assertThrows(VmlaunchException.class, () -> agent.run("true", Duration.ofSeconds(5))));
        assertTrue(e.getMessage().contains(".vmlaunch/g/res/1/interrupts.before a FIFO"), e.getMessage());
    }

    @Test
    void aFifoAnnouncementFailsTheGuestInsteadOfHangingTheHost() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g");
        mkfifo(agentDir("g").resolve("announce"));
        VmlaunchException e = assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> assertThrows(VmlaunchException.class, () -> agent.awaitAnnouncement(Duration.ofSeconds(5))));
        assertTrue(e.getMessage().startsWith("guest g made .vmlaunch/g/announce a FIFO"), e.getMessage());
    }

    @Test
    void anOutputOverTheCapIsRefusedWithoutReadingIt() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g");
        Path res = agentDir("g").resolve("res/1");
        writeResult(agent, res, "");
        try (RandomAccessFile f = new RandomAccessFile(res.resolve("output").toFile(), "rw")) {
            f.setLength(ConfinedDir.MAX_READ + 1L); // sparse: costs no disk
        }
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> agent.run("true", Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("output larger than the 4 MiB cap"), e.getMessage());
    }

    @Test
    void aVmlaunchFolderSymlinkedOutOfTheShareIsNotFollowedByInstall() throws Exception {
        Path precious = Files.createDirectories(outside.resolve("g")).resolve("precious");
        Files.writeString(precious, "keep me");
        Files.createSymbolicLink(share.resolve(".vmlaunch"), outside);
        GuestAgent.install(share, "g");
        assertEquals("keep me", Files.readString(precious), "nothing outside the share was deleted");
        assertFalse(Files.exists(outside.resolve("g/agent.sh")), "nothing was written outside the share");
        assertTrue(Files.isDirectory(share.resolve(".vmlaunch"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isRegularFile(agentDir("g").resolve("agent.sh"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aCommandFolderSymlinkedOutOfTheShareIsNotWrittenThrough() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g");
        Path cmd = agentDir("g").resolve("cmd");
        Files.delete(cmd);
        Files.createSymbolicLink(cmd, outside);
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> agent.run("true", Duration.ofSeconds(5)));
        assertTrue(
                e.getMessage().startsWith("guest g made .vmlaunch/g/cmd a symlink where a directory belongs"),
                e.getMessage());
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "no command file outside the share");
        }
    }

    @Test
    void anotherGuestCannotForgeAnAnnouncement() throws Exception {
        GuestAgent victim = GuestAgent.install(share, "virt1");
        GuestAgent other = GuestAgent.install(share, "virt2");
        Files.write(agentDir("virt1").resolve("announce"), Signed.sign("version=2\narch=x86_64\n", other.token()));
        VmlaunchException e =
                assertThrows(VmlaunchException.class, () -> victim.awaitAnnouncement(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("wrong signature"), e.getMessage());
    }

    @Test
    void aResultChangedAfterTheAgentSignedItIsRefused() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g");
        Path res = agentDir("g").resolve("res/1");
        writeResult(agent, res, "3 packets received");
        Files.writeString(res.resolve("output"), "forged");
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> agent.run("true", Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("res/1/output does not match its SHA-256"), e.getMessage());
    }

    @Test
    void aCorrectlySignedResultIsAccepted() throws Exception {
        GuestAgent agent = GuestAgent.install(share, "g");
        writeResult(agent, agentDir("g").resolve("res/1"), "hello");
        GuestAgent.CommandResult r = agent.run("true", Duration.ofSeconds(5));
        assertEquals("hello", r.output());
        assertEquals(0, r.exitCode());
    }
}
