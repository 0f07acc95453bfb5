package dev.vmlaunch.lab;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The lab host's sign of life: its JVM rewrites {@code heartbeat} in the lab folder (a 9p share) every second, and
 * the outer lab watches it.
 *
 * <p>Why: QEMU 7.2's emulation of AMD-V under TCG sometimes wedges the lab host's kernel while its nested KVM
 * guests start or end (measured: about 1 run in 8; both vCPUs then spin in kernel mode and nothing is printed, not
 * even a panic). Without a heartbeat the only limit is the lab host's overall one (20 minutes on x86_64). A beat
 * needs the lab host's scheduler, timers and 9p all working, so its absence means the lab host itself is stuck; a
 * vmlaunch command that hangs inside a healthy lab host keeps the beat going and is caught by the lab's own
 * per-step limits instead.
 */
final class LabHeartbeat {
    static final String FILE = "heartbeat";
    private static final Duration EVERY = Duration.ofSeconds(1);
    /** A beat is a counter and an uptime: far below this. The lab host writes the file: never read it unbounded. */
    private static final int MAX_BYTES = 128;

    private LabHeartbeat() {}

    /** Inside the lab host: starts the beat (a daemon thread; it ends with the JVM). */
    static void start(Path labFolder) {
        Path file = labFolder.resolve(FILE);
        Thread t = new Thread(
                () -> {
                    long n = 0;
                    while (true) {
                        try {
                            Files.writeString(file, ++n + System.lineSeparator(), StandardCharsets.US_ASCII);
                            Thread.sleep(EVERY.toMillis());
                        } catch (IOException e) {
                            // A missed beat; the watcher allows for many.
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "vmlaunch-lab-heartbeat");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Outside: how long the beat has not changed. Before the first beat the lab host is still booting, which the
     * lab's overall limit covers, so a watch that has seen none never reports a stall.
     */
    static final class Watch {
        private final Path file;
        private final LongSupplier nanos;
        private byte[] last;
        private long changedAt;

        Watch(Path file, LongSupplier nanos) {
            this.file = file;
            this.nanos = nanos;
        }

        /** Reads the beat once; returns how long it has been unchanged, or zero if it has never beaten. */
        Duration poll() {
            byte[] now = read(file);
            long t = nanos.getAsLong();
            if (now != null && (last == null || !Arrays.equals(now, last))) {
                last = now;
                changedAt = t;
            }
            return last == null ? Duration.ZERO : Duration.ofNanos(t - changedAt);
        }

        private static byte[] read(Path file) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return null; // not yet written, or not a file the lab host should have made (a FIFO would block)
            }
            try (SeekableByteChannel ch =
                    Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer b = ByteBuffer.allocate(MAX_BYTES);
                while (b.hasRemaining() && ch.read(b) > 0) {
                    // a beat is a few bytes
                }
                return b.position() == 0 ? null : Arrays.copyOf(b.array(), b.position());
            } catch (IOException e) {
                return null;
            }
        }
    }
}
