package dev.vmlaunch.lkvm;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * kvmtool's IPC server side (kvm-ipc.c) on a real unix socket: reads the 8-byte header, then the payload, and
 * answers PID and VMSTATE with a raw native-order int. {@code silent} accepts and reads but never answers, like a
 * kvmtool whose IPC thread is stuck.
 */
public final class FakeLkvmServer implements AutoCloseable {
    /** One request as received; {@code headerInOneRead}: the 8 header bytes came with the first read. */
    public record Request(int type, int len, boolean headerInOneRead) {}

    private final Path socket;
    private final ServerSocketChannel server;
    private final int pid;
    private final boolean silent;
    private volatile int vmstate;
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private FakeLkvmServer(Path socket, int pid, boolean silent) throws IOException {
        this.socket = socket;
        this.pid = pid;
        this.silent = silent;
        Files.createDirectories(socket.getParent());
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(this::acceptLoop, "fake-lkvm-" + socket.getFileName());
        t.setDaemon(true);
        t.start();
    }

    public static FakeLkvmServer start(Path socket, int pid) throws IOException {
        return new FakeLkvmServer(socket, pid, false);
    }

    public static FakeLkvmServer silent(Path socket) throws IOException {
        return new FakeLkvmServer(socket, 1, true);
    }

    public Path socket() {
        return socket;
    }

    public List<Request> requests() {
        return requests;
    }

    public boolean stopped() {
        return requests.stream().anyMatch(r -> r.type() == LkvmIpc.STOP);
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return;
            }
            Thread t = new Thread(() -> serve(c), "fake-lkvm-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            while (true) {
                ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
                int first = c.read(head);
                if (first < 0) {
                    return;
                }
                boolean oneRead = first == 8;
                while (head.hasRemaining()) {
                    if (c.read(head) < 0) {
                        return;
                    }
                }
                head.flip();
                int type = head.getInt();
                int len = head.getInt();
                if (len > 0) {
                    ByteBuffer payload = ByteBuffer.allocate(len);
                    while (payload.hasRemaining()) {
                        if (c.read(payload) < 0) {
                            return;
                        }
                    }
                }
                requests.add(new Request(type, len, oneRead));
                if (silent) {
                    continue;
                }
                switch (type) {
                    case LkvmIpc.PID -> reply(c, pid);
                    case LkvmIpc.VMSTATE -> reply(c, vmstate);
                    case LkvmIpc.PAUSE -> vmstate = 1;
                    case LkvmIpc.RESUME -> vmstate = 0;
                    default -> {}
                }
            }
        } catch (IOException e) {
            // Client went away.
        }
    }

    private static void reply(SocketChannel c, int value) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4)
                .order(ByteOrder.nativeOrder())
                .putInt(value)
                .flip();
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
