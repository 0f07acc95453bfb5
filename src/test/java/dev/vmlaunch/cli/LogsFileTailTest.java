package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.supervise.LogRotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code logs -f} reading console.log while the supervisor rotates it: nothing lost, nothing twice. */
class LogsFileTailTest {
    @TempDir
    Path dir;

    private void append(Path f, String s) throws Exception {
        Files.writeString(f, s, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void aFollowerReadsOnAcrossACopyTruncateRotation() throws Exception {
        Path f = dir.resolve("console.log");
        LogsCommand.FileTail tail = new LogsCommand.FileTail(f);
        append(f, "one\ntwo\n");
        assertEquals("one\ntwo\n", tail.readNew());
        append(f, "three\n");
        LogRotation.copyTruncateIfOver(f, 1);
        append(f, "four\n");
        assertEquals("three\nfour\n", tail.readNew());
        append(f, "five\n");
        assertEquals("five\n", tail.readNew());
    }

    @Test
    void aFollowerBetweenTheCopyAndTheTruncateSeesNothingTwice() throws Exception {
        Path f = dir.resolve("console.log");
        LogsCommand.FileTail tail = new LogsCommand.FileTail(f);
        append(f, "one\n");
        assertEquals("one\n", tail.readNew());
        append(f, "two\n");
        // The rotation's first half: the copy is in place, the file not yet truncated, and the VMM wrote on.
        Files.copy(f, LogRotation.rotated(f), StandardCopyOption.REPLACE_EXISTING);
        append(f, "three\n");
        assertEquals("two\nthree\n", tail.readNew());
        Files.write(f, new byte[0]);
        append(f, "four\n");
        assertEquals("four\n", tail.readNew());
    }

    @Test
    void aFollowerAcrossARenameRotationOfTheEventLog() throws Exception {
        Path f = dir.resolve("events.jsonl");
        LogsCommand.FileTail tail = new LogsCommand.FileTail(f);
        append(f, "{\"a\":1}\n");
        assertEquals("{\"a\":1}\n", tail.readNew());
        append(f, "{\"a\":2}\n");
        LogRotation.renameIfOver(f, 1);
        append(f, "{\"a\":3}\n");
        assertEquals("{\"a\":2}\n{\"a\":3}\n", tail.readNew());
    }

    @Test
    void aFirstReadShowsTheRotatedPartFirst() throws Exception {
        Path f = dir.resolve("console.log");
        append(f, "old\n");
        LogRotation.copyTruncateIfOver(f, 1);
        append(f, "new\n");
        assertEquals("old\nnew\n", new LogsCommand.FileTail(f).readNew());
    }
    /** What a flood leaves when the rotation looked late: a .1 larger than one read. */
    private static String lines(int from, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            b.append(String.format("flood line %07d %s%n", i, "x".repeat(44)));
        }
        return b.toString();
    }

    @Test
    void aFirstReadOfARotatedPartLargerThanOneReadEndsWithItsNewestLine() throws Exception {
        Path f = dir.resolve("console.log");
        // 9 MiB of 64-byte lines, then the last one: more than one read holds (8 MiB).
        append(f, lines(0, 9 * 16384) + "flood done\n");
        LogRotation.copyTruncateIfOver(f, 1);
        String shown = new LogsCommand.FileTail(f).readNew();
        assertTrue(
                shown.endsWith("flood line 0147455 " + "x".repeat(44) + "\nflood done\n"),
                shown.substring(shown.length() - 200));
        assertTrue(shown.length() <= 8 << 20, "at most one read: " + shown.length());
    }

    @Test
    void aFirstReadOfALogLargerThanOneReadEndsWithItsNewestLine() throws Exception {
        Path f = dir.resolve("console.log");
        append(f, lines(0, 9 * 16384) + "flood done\n");
        String shown = new LogsCommand.FileTail(f).readNew();
        assertTrue(shown.endsWith("\nflood done\n"), shown.substring(shown.length() - 200));
    }
}
