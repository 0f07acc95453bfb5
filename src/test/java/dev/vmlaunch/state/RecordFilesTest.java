package dev.vmlaunch.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A record file read from a folder others write in: what is refused, and that nothing there can block the read. */
// A FIFO that nobody opens blocks an open forever: a regression fails on the timeout instead of hanging the build.
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordFilesTest {
    static final int MAX = 1024;

    @TempDir
    Path dir;

    static void mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertTrue(mk.waitFor(1, TimeUnit.MINUTES));
        assertEquals(0, mk.exitValue());
    }

    static String refusal(Path f) {
        return assertThrows(RecordFiles.RefusedException.class, () -> RecordFiles.read(f, MAX))
                .getMessage();
    }

    @Test
    void aRegularFileIsReadWhole() throws Exception {
        Path f = dir.resolve("r.json");
        Files.writeString(f, "{\"a\":1}");
        assertArrayEquals("{\"a\":1}".getBytes(StandardCharsets.UTF_8), RecordFiles.read(f, MAX));
        Files.write(f, new byte[MAX]);
        assertEquals(MAX, RecordFiles.read(f, MAX).length);
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> RecordFiles.read(dir.resolve("none"), MAX));
    }

    @Test
    void aSymlinkIsNeitherFollowedNorOpened() throws Exception {
        Path real = dir.resolve("real.json");
        Files.writeString(real, "{}");
        Path f = dir.resolve("r.json");
        Files.createSymbolicLink(f, real);
        assertEquals("is a symbolic link, not a regular file", refusal(f));
        Files.delete(f);
        Files.createSymbolicLink(f, dir.resolve("dangling"));
        assertEquals("is a symbolic link, not a regular file", refusal(f));
        // The open itself refuses one (O_NOFOLLOW), for a link put there after the check.
        IOException e = assertThrows(IOException.class, () -> RecordFiles.readCapped(f, MAX, Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains("Too many levels of symbolic links"), e.getMessage());
    }

    @Test
    void aFifoAndADirectoryAreRefusedWithoutBeingOpened() throws Exception {
        Path f = dir.resolve("r.json");
        mkfifo(f);
        assertEquals("is a FIFO, socket or device node, not a regular file", refusal(f));
        Path d = dir.resolve("d.json");
        Files.createDirectory(d);
        assertEquals("is a directory, not a regular file", refusal(d));
    }

    @Test
    void aFileOverTheCapIsRefusedAndNotReadWhole() throws Exception {
        Path f = dir.resolve("r.json");
        Files.write(f, new byte[MAX + 1]);
        assertEquals("is larger than 1 KiB", refusal(f));
        // What the read itself takes (for a file that grew after the check): one byte over the cap, whatever the size.
        Files.write(f, new byte[64 * MAX]);
        assertEquals(MAX + 1, RecordFiles.readCapped(f, MAX, Duration.ofSeconds(30)).length);
    }

    /** A FIFO put there after the check: its open blocks (nobody writes), and the reader gives up on it. */
    @Test
    void aFifoWhoseOpenBlocksDoesNotBlockTheReader() throws Exception {
        Path f = dir.resolve("r.json");
        mkfifo(f);
        assertNull(RecordFiles.readCapped(f, MAX, Duration.ofMillis(200)));
        // Let the reader thread's open finish (a writer meets it), so that it ends.
        try (OutputStream w = Files.newOutputStream(f)) {
            w.flush();
        }
    }

    /** A FIFO put there after the check whose other end is held open: the open succeeds, the read must not block. */
    @Test
    void aFifoWithAWriterIsRefusedOnTheOpenedChannel() throws Exception {
        Path f = dir.resolve("r.json");
        mkfifo(f);
        CountDownLatch done = new CountDownLatch(1);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (OutputStream w = Files.newOutputStream(f)) {
                // Holds its end open, writing nothing: a read would wait for it.
                w.flush();
                done.await();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            IOException e =
                    assertThrows(IOException.class, () -> RecordFiles.readCapped(f, MAX, Duration.ofSeconds(30)));
            assertTrue(e.getMessage().contains("Illegal seek"), e.getMessage());
        } finally {
            done.countDown();
        }
        writer.get(30, TimeUnit.SECONDS);
    }
}
