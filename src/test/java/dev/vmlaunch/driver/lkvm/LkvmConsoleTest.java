package dev.vmlaunch.driver.lkvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.console.ConsoleEnding;
import dev.vmlaunch.console.PseudoTerminal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console pump and its reading of kvmtool's stream, on a fake terminal (the real one is in LkvmConsoleIT). */
class LkvmConsoleTest {
    @TempDir
    Path tmp;

    /** What "kvmtool" writes is queued; an empty array is its exit (the master's EIO). */
    static final class FakePty implements PseudoTerminal {
        final BlockingQueue<byte[]> output = new LinkedBlockingQueue<>();
        final ByteArrayOutputStream typed = new ByteArrayOutputStream();

        /** Queued in pieces of at most 1 KiB, as a terminal hands them over. */
        void print(String s) {
            byte[] all = s.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < all.length; i += 1024) {
                output.add(java.util.Arrays.copyOfRange(all, i, Math.min(all.length, i + 1024)));
            }
        }

        void exit() {
            output.add(new byte[0]);
        }

        @Override
        public Path slave() {
            return Path.of("/dev/pts/999");
        }

        @Override
        public void releaseSlave() {}

        @Override
        public int read(byte[] buf) throws IOException {
            try {
                byte[] b = output.take();
                if (b.length == 0) {
                    return -1;
                }
                System.arraycopy(b, 0, buf, 0, b.length);
                return b.length;
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) {
            typed.write(buf, off, len);
        }

        synchronized String typed() {
            return typed.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() {}
    }

    final FakePty pty = new FakePty();
    final List<String> setupLines = new CopyOnWriteArrayList<>();

    LkvmConsole console() {
        LkvmConsole c = LkvmConsole.open(
                pty, tmp.resolve("console.log"), tmp.resolve("console.sock"), setupLines::add, m -> {});
        c.started();
        return c;
    }

    @Test
    void kvmtoolsLinesBeforeTheKernelAreWatchedButTheGuestsOwnErrorLinesAreNot() throws Exception {
        LkvmConsole c = console();
        pty.print("  # lkvm run -k bzImage -m 256 -c 1 --name g\n  Error: Failed to open /dev/vfio/vfio\n");
        pty.print("Linux version 6.1.0-57-amd64\r\n[    0.1] x\r\n  Error: Failed to open /dev/vfio/vfio\r\n");
        pty.exit();
        c.awaitDrained(Duration.ofSeconds(5));
        assertEquals(
                List.of("  # lkvm run -k bzImage -m 256 -c 1 --name g", "  Error: Failed to open /dev/vfio/vfio"),
                setupLines);
        assertTrue(
                Files.readString(tmp.resolve("console.log")).endsWith("  Error: Failed to open /dev/vfio/vfio\r\n"),
                "console.log has every byte");
        c.close();
    }

    @Test
    void thePanicLineIsKeptWithoutTheGuestsControlCharacters() throws Exception {
        LkvmConsole c = console();
        pty.print(
                "[ 1.0] Kernel panic - not syncing: \u001b]0;owned\u0007boom\r\n[ 2.0] reboot: Restarting system\r\n");
        pty.print("\n  # KVM session ended normally.\n");
        pty.exit();
        c.awaitDrained(Duration.ofSeconds(5));
        ConsoleEnding.Seen seen = c.seen();
        assertEquals(ConsoleEnding.PANIC, seen.ending());
        assertEquals("[ 1.0] Kernel panic - not syncing: ?]0;owned?boom", seen.line());
        assertTrue(c.sessionEnded());
        c.close();
    }

    @Test
    void aLineLongerThanTheLimitIsLookedAtInPiecesNotHeldWhole() throws Exception {
        LkvmConsole c = console();
        pty.print("x".repeat(3 * LkvmConsole.MAX_LINE) + "reboot: Power down\n");
        pty.exit();
        c.awaitDrained(Duration.ofSeconds(5));
        assertEquals(ConsoleEnding.POWER_OFF, c.seen().ending(), "the marker in the last piece is still seen");
        assertTrue(setupLines.stream().allMatch(l -> l.length() <= LkvmConsole.MAX_LINE));
        c.close();
    }

    @Test
    void aClientTypesIntoTheGuestAndSeesItsOutputAndTheConsoleClosesWhenKvmtoolEnds() throws Exception {
        LkvmConsole c = console();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(tmp.resolve("console.sock")));
            ch.write(ByteBuffer.wrap("ls\r".getBytes(StandardCharsets.US_ASCII)));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!pty.typed().equals("ls\r") && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertEquals("ls\r", pty.typed());
            pty.print("bin  etc\r\n");
            ByteBuffer b = ByteBuffer.allocate(64);
            while (b.position() < 10) {
                assertTrue(ch.read(b) > 0);
            }
            assertEquals("bin  etc\r\n", new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII));
            pty.exit();
            c.awaitDrained(Duration.ofSeconds(5));
            assertEquals(-1, ch.read(ByteBuffer.allocate(1)), "the client sees the console end");
        }
        assertFalse(Files.exists(tmp.resolve("console.sock")));
        assertNull(c.seen().ending());
        c.close();
    }

    @Test
    void aClientThatNeverReadsDoesNotHoldUpTheLog() throws Exception {
        LkvmConsole c = console();
        try (SocketChannel stuck = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            stuck.connect(UnixDomainSocketAddress.of(tmp.resolve("console.sock")));
            Thread.sleep(100);
            String mib = "y".repeat(1023) + "\n";
            for (int i = 0; i < 8 * 1024; i++) {
                pty.print(mib);
            }
            pty.exit();
            c.awaitDrained(Duration.ofSeconds(30));
            assertEquals(8L << 20, Files.size(tmp.resolve("console.log")));
        }
        c.close();
    }
}
