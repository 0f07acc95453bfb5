package dev.vmlaunch.qmp;

import dev.vmlaunch.qmp.QmpConnectException.Reason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Connects to a unix socket that QEMU may not have created yet. QEMU creates its QMP socket a little
 * after it starts, and a stale socket file refuses until the new QEMU binds it, so both cases are
 * retried with a growing pause until the deadline.
 */
final class UnixSocketConnector {
    private static final Duration FIRST_PAUSE = Duration.ofMillis(5);
    private static final Duration LONGEST_PAUSE = Duration.ofMillis(200);
    /** sizeof(sun_path) on Linux is 108, including the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;

    private UnixSocketConnector() {}

    /** Returns a connected channel in blocking mode. */
    static SocketChannel connect(Path socket, Deadline deadline, Duration timeout)
            throws QmpConnectException, InterruptedException {
        int pathBytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (pathBytes > MAX_PATH_BYTES) {
            // connect() would fail the same way on every attempt; say so now instead of at the timeout.
            throw new QmpConnectException(
                    Reason.PATH_TOO_LONG,
                    "QMP socket path " + socket + " is " + pathBytes + " bytes long; unix sockets allow at most "
                            + MAX_PATH_BYTES);
        }
        Duration pause = FIRST_PAUSE;
        IOException lastFailure = null;
        while (true) {
            if (Files.isRegularFile(socket) || Files.isDirectory(socket)) {
                throw new QmpConnectException(
                        Reason.NOT_A_SOCKET,
                        socket + " is a " + (Files.isDirectory(socket) ? "directory" : "regular file")
                                + ", not a QMP unix socket");
            }
            if (Files.exists(socket)) {
                try {
                    SocketChannel channel = tryConnect(socket, deadline);
                    if (channel != null) {
                        return channel;
                    }
                } catch (IOException e) {
                    lastFailure = e;
                }
            }
            Duration left = deadline.remaining();
            if (left.isZero()) {
                throw failure(socket, timeout, lastFailure);
            }
            Duration nap = pause.compareTo(left) < 0 ? pause : left;
            Thread.sleep(nap.toMillis(), nap.toNanosPart() % 1_000_000);
            pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) < 0 ? pause.multipliedBy(2) : LONGEST_PAUSE;
        }
    }

    /**
     * Non-blocking connect, so that a listener with a full backlog (which would block a plain connect
     * without bound) costs at most the time left. Linux reports that case as EAGAIN, which lands in
     * the caller's retry loop.
     */
    private static SocketChannel tryConnect(Path socket, Deadline deadline) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        boolean connected = false;
        try {
            channel.configureBlocking(false);
            connected = channel.connect(UnixDomainSocketAddress.of(socket)) || finishWithin(channel, deadline);
            if (connected) {
                channel.configureBlocking(true);
                return channel;
            }
            return null;
        } finally {
            if (!connected) {
                channel.close();
            }
        }
    }

    private static boolean finishWithin(SocketChannel channel, Deadline deadline) throws IOException {
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_CONNECT);
            long millis = Math.max(1, deadline.remaining().toMillis());
            return selector.select(millis) > 0 && channel.finishConnect();
        }
    }

    private static QmpConnectException failure(Path socket, Duration timeout, IOException lastFailure) {
        String within = " within " + Deadline.describe(timeout);
        if (!Files.exists(socket)) {
            return new QmpConnectException(Reason.SOCKET_MISSING, "QMP socket " + socket + " did not appear" + within);
        }
        String detail = lastFailure == null
                ? "connect did not complete"
                : lastFailure instanceof ConnectException
                        ? "connection refused; is QEMU still running?"
                        : String.valueOf(lastFailure.getMessage());
        return new QmpConnectException(
                Reason.REFUSED,
                "QMP socket " + socket + " did not accept a connection" + within + " (" + detail + ")",
                lastFailure);
    }
}
