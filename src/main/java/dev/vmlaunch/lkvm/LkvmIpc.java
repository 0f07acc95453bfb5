package dev.vmlaunch.lkvm;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * kvmtool's control socket, {@code $HOME/.lkvm/NAME.sock} (kvm-ipc.c). A request is {@code struct {u32 type;
 * u32 len;}} in host byte order followed by {@code len} payload bytes; kvmtool reads the header with one read, so
 * header and payload go out in one write. Replies carry no header: PID answers a 4-byte pid_t, VMSTATE a 4-byte int
 * (0 running, 1 paused); PAUSE, RESUME and STOP answer nothing. One connection can carry several requests, as
 * {@code lkvm list} does (PID, then VMSTATE). Every read and write is bounded by the timeout given to
 * {@link #connect}.
 */
public final class LkvmIpc implements AutoCloseable {
    public static final int PAUSE = 4;
    public static final int RESUME = 5;
    public static final int STOP = 6;
    public static final int PID = 7;
    public static final int VMSTATE = 8;

    public enum VmState {
        RUNNING,
        PAUSED;

        public String json() {
            return this == RUNNING ? "running" : "paused";
        }
    }

    private final Path socket;
    private final SocketChannel channel;
    private final Selector selector;
    private final Duration timeout;

    private LkvmIpc(Path socket, SocketChannel channel, Selector selector, Duration timeout) {
        this.socket = socket;
        this.channel = channel;
        this.selector = selector;
        this.timeout = timeout;
    }

    /** kvmtool's folder: {@code $HOME/.lkvm}. */
    public static Path socketDir(Map<String, String> env) {
        String home = env.get("HOME");
        if (home == null || home.isEmpty()) {
            home = System.getProperty("user.home");
        }
        return Path.of(home, ".lkvm");
    }

    public static Path socketOf(Path dir, String name) {
        return dir.resolve(name + ".sock");
    }

    /**
     * Connects. A socket file whose kvmtool is gone refuses with {@link java.net.ConnectException}: kvmtool calls that
     * a ghost and removes it.
     */
    public static LkvmIpc connect(Path socket, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        boolean ok = false;
        try {
            // A unix-socket connect does not block on a listener that is alive (it may on a full backlog, which
            // the non-blocking mode below turns into a bounded wait).
            ch.configureBlocking(false);
            Selector sel = Selector.open();
            try {
                if (!ch.connect(UnixDomainSocketAddress.of(socket))) {
                    ch.register(sel, SelectionKey.OP_CONNECT);
                    if (sel.select(Math.max(1, timeout.toMillis())) == 0 || !ch.finishConnect()) {
                        throw new IOException(
                                "kvmtool socket " + socket + " did not accept within " + timeout.toMillis() + " ms");
                    }
                    sel.selectedKeys().clear();
                }
                ok = true;
                return new LkvmIpc(socket, ch, sel, timeout);
            } finally {
                if (!ok) {
                    sel.close();
                }
            }
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    public Path socket() {
        return socket;
    }

    /** The pid kvmtool reports for itself. */
    public long pid() throws IOException {
        send(PID, new byte[0]);
        return readInt();
    }

    public VmState vmState() throws IOException {
        send(VMSTATE, new byte[0]);
        int s = readInt();
        return s == 1 ? VmState.PAUSED : VmState.RUNNING;
    }

    /** Asks kvmtool to shut the guest down and exit. */
    public void stop() throws IOException {
        send(STOP, new byte[0]);
    }

    public void pause() throws IOException {
        send(PAUSE, new byte[0]);
    }

    public void resume() throws IOException {
        send(RESUME, new byte[0]);
    }

    /** Header and payload in one write. */
    void send(int type, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length).order(ByteOrder.nativeOrder());
        b.putInt(type).putInt(payload.length).put(payload).flip();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (b.hasRemaining()) {
            if (channel.write(b) == 0) {
                await(SelectionKey.OP_WRITE, deadline, "sending request " + type);
            }
        }
    }

    int readInt() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (b.hasRemaining()) {
            int n = channel.read(b);
            if (n < 0) {
                throw new IOException("kvmtool closed " + socket + " before answering");
            }
            if (n == 0) {
                await(SelectionKey.OP_READ, deadline, "waiting for the answer");
            }
        }
        return b.flip().getInt();
    }

    private void await(int op, long deadline, String what) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new IOException(
                    "kvmtool on " + socket + " did not answer within " + timeout.toMillis() + " ms (" + what + ")");
        }
        SelectionKey key = channel.register(selector, op);
        try {
            if (selector.select(left) == 0) {
                throw new IOException(
                        "kvmtool on " + socket + " did not answer within " + timeout.toMillis() + " ms (" + what + ")");
            }
        } finally {
            selector.selectedKeys().clear();
            key.interestOps(0);
        }
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            // Nothing held.
        }
        try {
            channel.close();
        } catch (IOException e) {
            // Already closed.
        }
    }
}
