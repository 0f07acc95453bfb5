package dev.vmlaunch.driver.lkvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.driver.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof's reading of /proc, over a tree shaped like the kernel's: {@code /proc/PID/stat} (proc(5)),
 * {@code /proc/PID/exe} (a link, " (deleted)" appended once the binary was replaced), {@code /proc/PID/fd/N}
 * ({@code socket:[INODE]}) and {@code /proc/net/unix} ("Num RefCount Protocol Flags Type St Inode Path", the path
 * as bound, the rest of the line). The real-process cases are in ForeignLkvmStopTest.
 */
class LkvmProcessProofTest {
    @TempDir
    Path tmp;

    Path proc;
    Path socket;

    @BeforeEach
    void tree() throws Exception {
        proc = tmp.resolve("proc");
        socket = tmp.resolve("home dir/.lkvm/virt 1.sock");
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(
                proc.resolve("net/unix"),
                "Num       RefCount Protocol Flags    Type St Inode Path\n"
                        + "0000000031dad79c: 00000002 00000000 00000000 0001 03  8163\n"
                        + "00000000bb4e3103: 00000002 00000000 00010000 0001 01 77001 " + socket + "\n"
                        + "0000000081cc0efd: 00000002 00000000 00010000 0001 01 77002 /run/other.sock\n");
    }

    void process(long pid, String exe, String... fds) throws Exception {
        Path d = Files.createDirectories(proc.resolve(Long.toString(pid)).resolve("fd"));
        Files.writeString(
                d.getParent().resolve("stat"),
                pid + " (lkvm) S 1 " + pid + " " + pid + " 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 3 0 258882 0 0\n");
        Files.writeString(d.getParent().resolve("comm"), "lkvm\n");
        Files.createSymbolicLink(d.getParent().resolve("exe"), Path.of(exe));
        for (int i = 0; i < fds.length; i++) {
            Files.createSymbolicLink(d.resolve(Integer.toString(i)), Path.of(fds[i]));
        }
    }

    LkvmProcessProof.Verdict check(long pid) {
        return new LkvmProcessProof(proc).check(pid, socket);
    }

    @Test
    void aKvmtoolHoldingTheSocketInodeIsProvenEvenWithSpacesInThePath() throws Exception {
        process(31, "/usr/local/bin/lkvm", "/dev/null", "socket:[77002]", "socket:[77001]");
        LkvmProcessProof.Verdict v = check(31);
        assertTrue(v.proven(), v.reason());
        assertEquals(new ProcessIdentity(31, 258882), v.process().orElseThrow());
    }

    @Test
    void aReplacedKvmtoolBinaryStillCounts() throws Exception {
        process(32, "/opt/kvmtool/lkvm-static (deleted)", "socket:[77001]");
        assertTrue(check(32).proven(), check(32).reason());
    }

    @Test
    void anotherBinaryOrAnotherSocketIsNotProven() throws Exception {
        process(33, "/usr/bin/lkvm-wrapper", "socket:[77001]");
        assertTrue(
                check(33).reason().contains("runs /usr/bin/lkvm-wrapper, not kvmtool"),
                check(33).reason());
        process(34, "/usr/bin/lkvm", "socket:[77002]", "socket:[8163]");
        assertFalse(check(34).proven());
        assertTrue(
                check(34).reason().contains("does not hold the socket"),
                check(34).reason());
    }

    @Test
    void aSocketPathNotInProcNetUnixIsNotProven() throws Exception {
        process(35, "/usr/bin/lkvm", "socket:[77001]");
        LkvmProcessProof.Verdict v = new LkvmProcessProof(proc).check(35, tmp.resolve("elsewhere.sock"));
        assertFalse(v.proven());
        assertTrue(v.reason().startsWith(proc.resolve("net/unix") + " lists no socket bound to"), v.reason());
    }
}
