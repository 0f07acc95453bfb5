package dev.vmlaunch.driver.lkvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.lkvm.FakeLkvmServer;
import dev.vmlaunch.lkvm.LkvmInstances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmlaunch stop} of a kvmtool guest it did not start, against real processes and real sockets: an unrelated
 * process whose pid a socket reports must survive; a real kvmtool process (fakes/fake-lkvm run by an interpreter
 * copied to a file named {@code lkvm}, so that /proc/PID/exe says lkvm) that holds the socket gets the escalation.
 */
class ForeignLkvmStopTest {
    private static final Path FAKE_LKVM =
            Path.of("src/test/resources/fakes/fake-lkvm").toAbsolutePath();
    private static final Duration STEP = Duration.ofSeconds(1);

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    private ForeignLkvmStop stopper(boolean force) {
        return new ForeignLkvmStop(STEP, force, LkvmProcessProof.system(), log::add);
    }

    private Process sleep() throws IOException {
        Process p = new ProcessBuilder("sleep", "300").start();
        started.add(p);
        return p;
    }

    /** fake-lkvm under an interpreter named lkvm; ignores IPC STOP so that only a signal can end it. */
    private Process kvmtool(String name) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin")).resolve("lkvm");
        if (!Files.exists(bin)) {
            Files.copy(Path.of("/usr/bin/python3").toRealPath(), bin, StandardCopyOption.COPY_ATTRIBUTES);
        }
        ProcessBuilder pb = new ProcessBuilder(bin.toString(), FAKE_LKVM.toString(), "run", "--name", name)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".out").toFile());
        pb.environment().put("HOME", tmp.toString());
        pb.environment().put("FAKE_LKVM_IGNORE_STOP", "1");
        Process p = pb.start();
        started.add(p);
        Path sock = socket(name);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!LkvmInstances.query(sock, STEP).answered()) {
            assertTrue(
                    p.isAlive() && System.nanoTime() < end,
                    "fake kvmtool did not come up: "
                            + (Files.exists(tmp.resolve(name + ".out"))
                                    ? Files.readString(tmp.resolve(name + ".out"))
                                    : ""));
            Thread.sleep(50);
        }
        return p;
    }

    private Path socket(String name) {
        return tmp.resolve(".lkvm").resolve(name + ".sock");
    }

    @Test
    void anUnrelatedProcessWhosePidTheSocketReportsIsNeverSignalled() throws Exception {
        Process bystander = sleep();
        try (FakeLkvmServer s = FakeLkvmServer.start(socket("liar"), (int) bystander.pid())) {
            ForeignLkvmStop.Result o = stopper(false).stop(LkvmInstances.query(s.socket(), STEP));
            assertFalse(o.ok(), o.message());
            assertTrue(s.stopped(), "the IPC STOP is still sent");
            assertTrue(
                    o.message().contains("no signal sent")
                            && o.message().contains("not kvmtool")
                            && o.message().contains("sleep"),
                    o.message());
            assertTrue(bystander.isAlive(), "the bystander survives");
            assertFalse(bystander.waitFor(500, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void forceDoesNotSignalAnUnprovenPidEither() throws Exception {
        Process bystander = sleep();
        try (FakeLkvmServer s = FakeLkvmServer.start(socket("liar"), (int) bystander.pid())) {
            ForeignLkvmStop.Result o = stopper(true).stop(LkvmInstances.query(s.socket(), STEP));
            assertFalse(o.ok(), o.message());
            assertTrue(s.stopped());
            assertTrue(bystander.isAlive());
        }
    }

    @Test
    void aKvmtoolThatDoesNotHoldTheSocketIsNotSignalled() throws Exception {
        Process other = kvmtool("other");
        try (FakeLkvmServer s = FakeLkvmServer.start(socket("liar"), (int) other.pid())) {
            ForeignLkvmStop.Result o = stopper(false).stop(LkvmInstances.query(s.socket(), STEP));
            assertFalse(o.ok(), o.message());
            assertTrue(o.message().contains("does not hold the socket"), o.message());
            assertTrue(other.isAlive(), "another guest's kvmtool survives");
        }
    }

    @Test
    void theKvmtoolBehindTheSocketGetsSigtermWhenIpcStopDoesNotEndIt() throws Exception {
        Process vmm = kvmtool("stuck");
        LkvmInstances.Instance inst = LkvmInstances.query(socket("stuck"), STEP);
        assertEquals(vmm.pid(), inst.pid());
        ForeignLkvmStop.Result o = stopper(false).stop(inst);
        assertTrue(o.ok(), o.message() + " " + log);
        assertEquals("stopped (SIGTERM)", o.message());
        assertTrue(vmm.waitFor(5, TimeUnit.SECONDS));
    }

    @Test
    void anExitedPidIsReportedAsNotRunningWithoutSignals() throws Exception {
        Process gone = sleep();
        long pid = gone.pid();
        gone.destroyForcibly().waitFor();
        LkvmProcessProof.Verdict v = LkvmProcessProof.system().check(pid, socket("x"));
        assertFalse(v.proven());
        assertTrue(v.reason().contains("not running"), v.reason());
    }
}
