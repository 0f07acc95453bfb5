package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real short processes, so the exit codes, the cap, the deadline and the kill are the kernel's. */
class BoundedCommandTest {
    private static final Duration LONG = Duration.ofSeconds(60);

    @Test
    void aHelperThatSucceedsIsOk() throws Exception {
        BoundedCommand.Result r = BoundedCommand.run(List.of("/bin/true"), LONG, 1024);
        assertTrue(r.ok(), r.toString());
        assertEquals(0, r.exit());
        assertFalse(r.timedOut());
    }

    @Test
    void aHelperThatFailsGivesItsExitCodeAndItsStderrApart() throws Exception {
        BoundedCommand.Result r = BoundedCommand.run(List.of("/bin/ls", "/nonexistent-vmlaunch-path"), LONG, 1024);
        assertFalse(r.ok());
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().contains("/nonexistent-vmlaunch-path"), r.err());
        assertEquals("failed (exit 2)", r.failure());
    }

    @Test
    void mergedOutputHoldsStderrInStdout() throws Exception {
        BoundedCommand.Result r =
                BoundedCommand.runMerged(List.of("/bin/ls", "/nonexistent-vmlaunch-path"), LONG, 1024);
        assertEquals(2, r.exit());
        assertTrue(r.out().contains("/nonexistent-vmlaunch-path"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void outputPastTheCapIsDroppedAndDoesNotHoldTheHelper() throws Exception {
        // 1 MB written, 1000 bytes kept: the rest is read and thrown away, so head is not blocked on a full pipe.
        BoundedCommand.Result r =
                BoundedCommand.run(List.of("/usr/bin/head", "-c", "1000000", "/dev/zero"), LONG, 1000);
        assertTrue(r.ok(), r.toString().substring(0, 100));
        assertEquals(1000, r.out().length());
    }

    @Test
    void endlessOutputIsCappedAndTheHelperKilledAtItsDeadline() throws Exception {
        BoundedCommand.Result r = killedAtDeadline(List.of("/bin/yes", "vmlaunch"), Duration.ofMillis(500), 4096);
        assertEquals(4096, r.out().length());
        assertTrue(r.out().startsWith("vmlaunch\nvmlaunch\n"), r.out().substring(0, 20));
    }

    @Test
    void aHelperThatHangsIsKilledAtItsDeadlineAndSaysSo() throws Exception {
        BoundedCommand.Result r = killedAtDeadline(List.of("/bin/sleep", "600"), Duration.ofMillis(1500), 1024);
        assertEquals("did not finish in 1.5 s; killed it", r.failure());
        assertTrue(
                ProcessHandle.current()
                        .children()
                        .noneMatch(p -> p.info().command().orElse("").endsWith("sleep")),
                "the sleep is gone");
    }

    /** Runs a helper that does not end by itself; the run must end at its deadline, not hang the test. */
    private static BoundedCommand.Result killedAtDeadline(List<String> argv, Duration deadline, int cap) {
        BoundedCommand.Result r =
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> BoundedCommand.run(argv, deadline, cap));
        assertTrue(r.timedOut(), r.toString());
        assertFalse(r.ok());
        assertEquals(-1, r.exit());
        return r;
    }

    @Test
    void aMissingProgramIsAnIoError() {
        assertThrows(IOException.class, () -> BoundedCommand.run(List.of("/nonexistent-vmlaunch-helper"), LONG, 1024));
    }

    @Test
    void anEmptyArgvIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BoundedCommand.run(List.of(), LONG, 1024));
    }
}
