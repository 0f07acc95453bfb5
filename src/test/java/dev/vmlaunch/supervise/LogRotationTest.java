package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogRotationTest {
    @TempDir
    Path dir;

    @Test
    void theEventLogNeverHoldsMoreThanItsCapPlusOneRecordAndReadsBothFilesInOrder() throws Exception {
        Path f = dir.resolve("events.jsonl");
        EventLog log = new EventLog(f, 4096);
        for (int i = 0; i < 1000; i++) {
            log.vmlaunch("VMLAUNCH_TEST", Map.of("i", i));
            assertTrue(Files.size(f) < 4096 + 200, "size " + Files.size(f) + " after record " + i);
        }
        assertTrue(Files.size(LogRotation.rotated(f)) < 4096 + 200);
        List<EventLog.Entry> all = EventLog.read(f);
        int first = all.get(0).data().path("i").asInt();
        assertTrue(first > 0, "the oldest records were dropped");
        for (int k = 0; k < all.size(); k++) {
            assertEquals(first + k, all.get(k).data().path("i").asInt(), "records in order, none lost in between");
        }
        assertEquals(999, all.get(all.size() - 1).data().path("i").asInt());
    }

    @Test
    void aLogAnotherProcessAppendsToIsCopiedAndTruncatedAndItsNextWriteLandsAtTheStart() throws Exception {
        Path f = dir.resolve("console.log");
        // As QEMU opens its chardev logfile with logappend=on.
        try (FileChannel vmm =
                FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            write(vmm, "a".repeat(5000));
            assertFalse(LogRotation.copyTruncateIfOver(f, 8192), "under the cap: left alone");
            write(vmm, "b".repeat(5000));
            assertTrue(LogRotation.copyTruncateIfOver(f, 8192));
            assertEquals("a".repeat(5000) + "b".repeat(5000), Files.readString(LogRotation.rotated(f)));
            assertEquals(0, Files.size(f));
            write(vmm, "after\n");
            assertEquals("after\n", Files.readString(f), "no hole where the old content was");
        }
        assertFalse(Files.exists(dir.resolve("console.log.1.tmp")));
    }

    @Test
    void aSymlinkInPlaceOfTheLogIsNotRotated() throws Exception {
        Path target = Files.writeString(dir.resolve("elsewhere"), "x".repeat(10000));
        Path f = dir.resolve("console.log");
        Files.createSymbolicLink(f, target);
        assertFalse(LogRotation.copyTruncateIfOver(f, 100));
        assertEquals(10000, Files.size(target));
        assertFalse(Files.exists(LogRotation.rotated(f)));
    }

    @Test
    void rotatedNameIsTheLogsNameWithDotOne() {
        assertEquals(dir.resolve("console.log.1"), LogRotation.rotated(dir.resolve("console.log")));
    }

    private static void write(FileChannel ch, String s) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
