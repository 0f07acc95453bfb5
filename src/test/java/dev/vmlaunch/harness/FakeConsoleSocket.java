package dev.vmlaunch.harness;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A console.sock as a supervisor serves one (kvmtool's pty relayed, or qemu's chardev): a real unix socket whose
 * one client talks to a {@link FakeShell}, so the console driver's socket path is the real one.
 */
final class FakeConsoleSocket implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path path;
    private final FakeShell shell;
    private volatile SocketChannel client;

    FakeConsoleSocket(Path path, FakeShell shell) throws IOException {
        this.path = path;
        this.shell = shell;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Thread t = new Thread(this::serve, "fake-console-" + path.getFileName());
        t.setDaemon(true);
        t.start();
    }

    Path path() {
        return path;
    }

    private void serve() {
        try (SocketChannel c = server.accept()) {
            client = c;
            Thread in = new Thread(
                    () -> {
                        ByteBuffer b = ByteBuffer.allocate(4096);
                        try {
                            while (c.read(b.clear()) >= 0) {
                                byte[] typed = new byte[b.flip().remaining()];
                                b.get(typed);
                                shell.write(typed, Duration.ofSeconds(10));
                            }
                        } catch (IOException e) {
                            // The client went away.
                        }
                    },
                    "fake-console-in");
            in.setDaemon(true);
            in.start();
            byte[] buf = new byte[4096];
            while (true) {
                int n = shell.read(buf, Duration.ofMillis(100));
                if (n < 0) {
                    return;
                }
                c.write(ByteBuffer.wrap(buf, 0, n));
            }
        } catch (IOException e) {
            // Closed: the test is over.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        SocketChannel c = client;
        if (c != null) {
            c.close();
        }
        Files.deleteIfExists(path);
    }
}
