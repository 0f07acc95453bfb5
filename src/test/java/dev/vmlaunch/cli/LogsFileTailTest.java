package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
