package dev.vmlaunch.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabHeartbeatTest {
    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aLabHostThatHasNotBeatenYetIsNeverStalled() {
        LabHeartbeat.Watch w = new LabHeartbeat.Watch(dir.resolve(LabHeartbeat.FILE), now::get);
        assertEquals(Duration.ZERO, w.poll());
        advance(Duration.ofMinutes(10));
        assertEquals(Duration.ZERO, w.poll(), "booting is the overall limit's business, not the heartbeat's");
    }

    @Test
    void quietTimeCountsFromTheLastChangeOfTheBeat() throws Exception {
        Path f = dir.resolve(LabHeartbeat.FILE);
        LabHeartbeat.Watch w = new LabHeartbeat.Watch(f, now::get);
        Files.writeString(f, "1\n");
        assertEquals(Duration.ZERO, w.poll());
        advance(Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(30), w.poll(), "the same beat read again is no sign of life");
        Files.writeString(f, "2\n");
        assertEquals(Duration.ZERO, w.poll());
        advance(Duration.ofSeconds(5));
        assertEquals(Duration.ofSeconds(5), w.poll());
    }

    @Test
    void aBeatThatVanishesOrIsEmptiedDoesNotCountAsLife() throws Exception {
        Path f = dir.resolve(LabHeartbeat.FILE);
        LabHeartbeat.Watch w = new LabHeartbeat.Watch(f, now::get);
        Files.writeString(f, "7\n");
        w.poll();
        advance(Duration.ofSeconds(20));
        Files.writeString(f, ""); // caught between the writer's truncate and its write
        assertEquals(Duration.ofSeconds(20), w.poll());
        Files.delete(f);
        advance(Duration.ofSeconds(20));
        assertEquals(Duration.ofSeconds(40), w.poll());
    }

    @Test
    void aSymlinkInPlaceOfTheBeatIsNotFollowed() throws Exception {
        Path target = Files.writeString(dir.resolve("elsewhere"), "1\n");
        Path f = dir.resolve(LabHeartbeat.FILE);
        Files.createSymbolicLink(f, target);
        LabHeartbeat.Watch w = new LabHeartbeat.Watch(f, now::get);
        w.poll();
        advance(Duration.ofMinutes(5));
        assertEquals(Duration.ZERO, w.poll(), "a link is no beat: the watch has still seen none");
    }

    @Test
    void theLabHostsBeatChangesEverySecond() throws Exception {
        LabHeartbeat.start(dir);
        Path f = dir.resolve(LabHeartbeat.FILE);
        LabHeartbeat.Watch w = new LabHeartbeat.Watch(f, System::nanoTime);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> Files.isRegularFile(f) && Files.size(f) > 0);
        w.poll();
        String first = Files.readString(f);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> !Files.readString(f).equals(first)
                        && !Files.readString(f).isEmpty());
        assertTrue(w.poll().compareTo(Duration.ofSeconds(10)) < 0);
    }
}
