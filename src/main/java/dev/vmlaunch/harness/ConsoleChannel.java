package dev.vmlaunch.harness;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/**
 * A guest's console as bytes both ways: qemu's serial or virtio console chardev socket, kvmtool's console.sock, or
 * a test's fake. Every call is bounded in time, so a guest that stops reading or writing cannot hang the harness.
 */
interface ConsoleChannel extends Closeable {
    /** Reads what has arrived into {@code buf}, waiting at most {@code timeout}: 0 when nothing came, -1 at its end. */
    int read(byte[] buf, Duration timeout) throws IOException;

    /** Writes all of {@code bytes}, or fails when the console takes none of them for {@code timeout}. */
    void write(byte[] bytes, Duration timeout) throws IOException;
}
