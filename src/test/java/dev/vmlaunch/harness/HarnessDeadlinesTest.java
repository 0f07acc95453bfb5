package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Launchers that never answer: the run still ends, by its deadline or by Ctrl-C (cancel). */
class HarnessDeadlinesTest {
    @TempDir
    Path share;

    final List<String> progress = new CopyOnWriteArrayList<>();
    /** Never counted down: whatever waits on it without a deadline waits forever. */
    final CountDownLatch never = new CountDownLatch(1);

    static final Harness.Deadlines SHORT =
            new Harness.Deadlines(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));

    HarnessSpec spec() throws Exception {
        Path f = share.resolve("h.json");
        Files.writeString(
                f,
                "{\"guests\":[{\"name\":\"stuck\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"shares\":[{\"path\":\""
                        + share
                        + "\",\"tag\":\"work\"}],\"passthrough\":[{\"host\":\"3b:00.0\"}]}],\"share\":\"work\",\"bootTimeout\":1,\"workloadTimeout\":1,"
                        + "\"workload\":\"true\"}");
        return HarnessLoader.load(f).spec();
    }

    /** A launcher whose start never returns (a supervisor that never reports ready, a hung VMM). */
    final HarnessGuests startsNever = spec -> {
        never.await();
        throw new AssertionError("unreachable");
    };

    /** A guest that starts, never announces its agent, and whose stop never returns. */
    final HarnessGuests stopsNever = spec -> new HarnessGuests.RunningGuest() {
        @Override
        public String name() {
            return spec.name();
        }

        @Override
        public boolean isAlive() {
            return true;
        }

        @Override
        public Optional<String> ended() {
            return Optional.empty();
        }

        @Override
        public void stop(Duration timeout) {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public Path consoleLog() {
            return null;
        }
    };

    @Test
    void aStartThatNeverReturnsIsGivenUpOnAtTheRunsDeadline() throws Exception {
        Harness h = new Harness(spec(), startsNever, a -> Optional.empty(), progress::add, SHORT);
        HarnessReport r = assertTimeoutPreemptively(Duration.ofSeconds(60), h::run);
        assertFalse(r.passed());
        assertEquals(
                "gave up on guest stuck while starting: it did not end within its timeouts",
                r.guests().get(0).error());
    }

    @Test
    void ctrlCEndsARunWhoseStartNeverReturns() throws Exception {
        Harness.Deadlines longRun =
                new Harness.Deadlines(Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
        Harness h = new Harness(spec(), startsNever, a -> Optional.empty(), progress::add, longRun);
        Thread ctrlC = new Thread(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            h.cancel();
        });
        ctrlC.start();
        HarnessReport r = assertTimeoutPreemptively(Duration.ofSeconds(60), h::run);
        ctrlC.join();
        assertFalse(r.passed());
        assertTrue(
                r.guests().get(0).error().startsWith("cancelled"),
                r.guests().get(0).error());
    }

    @Test
    void aStopThatNeverReturnsDoesNotHangTheRun() throws Exception {
        Harness h = new Harness(spec(), stopsNever, a -> Optional.empty(), progress::add, SHORT);
        HarnessReport r = assertTimeoutPreemptively(Duration.ofSeconds(60), h::run);
        assertFalse(r.passed());
        assertTrue(
                r.guests().get(0).error().contains("did not announce itself"),
                r.guests().get(0).error());
        assertTrue(progress.contains("guest stuck did not stop within 2 s; left it"), progress.toString());
    }
}
