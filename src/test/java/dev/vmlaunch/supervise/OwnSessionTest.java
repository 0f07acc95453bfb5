package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnSessionTest {
    @TempDir
    Path tmp;

    @Test
    void aChildStartedWithThePrefixLeadsASessionOfItsOwn() throws Exception {
        assumeTrue(Files.isExecutable(OwnSession.SETSID), "util-linux's setsid is essential on Debian");
        List<String> argv = new ArrayList<>(OwnSession.prefix());
        argv.addAll(List.of("/bin/sleep", "60"));
        Process p = new ProcessBuilder(argv).start();
        try {
            // setsid calls setsid(2), then execs the program in place (a child of a JVM is no process group leader,
            // so it need not fork): once the pid runs sleep, its session is the one it will keep.
            Path comm = Path.of("/proc", Long.toString(p.pid()), "comm");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(comm).strip().equals("sleep")) {
                assertTrue(System.nanoTime() < deadline, "the child did not exec sleep in 30 s");
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long session = Long.parseLong(f[3]);
            assertEquals(p.pid(), session, stat);
            assertTrue(session != sessionOf(ProcessHandle.current().pid()), "not this JVM's session");
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void noSetsidMeansNoPrefix() throws Exception {
        Path notExecutable = Files.writeString(tmp.resolve("setsid"), "");
        Files.setPosixFilePermissions(notExecutable, PosixFilePermissions.fromString("rw-------"));
        assertEquals(List.of(), OwnSession.prefix(notExecutable));
        assertEquals(List.of(), OwnSession.prefix(tmp.resolve("missing")));
    }

    private static long sessionOf(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
    }
}
