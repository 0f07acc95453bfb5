package dev.vmlaunch.harness;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

/** A console served on a unix socket (qemu's {@code -chardev socket,server=on}, kvmtool's console.sock). */
final class UnixConsoleChannel implements ConsoleChannel {
    private final SocketChannel ch;
    private final Selector readable;
    private final Selector writable;

    private UnixConsoleChannel(SocketChannel ch) throws IOException {
        this.ch = ch;
        ch.configureBlocking(false);
        readable = Selector.open();
        writable = Selector.open();
        ch.register(readable, SelectionKey.OP_READ);
        ch.register(writable, SelectionKey.OP_WRITE);
    }

    /** Connects to {@code socket}, which must be a socket (a state folder is the host's, but never follow a link). */
    static UnixConsoleChannel connect(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.NoSuchFileException(socket.toString());
        }
        if (Files.isSymbolicLink(socket)) {
            throw new IOException(socket + " is a symbolic link, not the console socket");
        }
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new UnixConsoleChannel(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public int read(byte[] buf, Duration timeout) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf);
        int n = ch.read(b);
        if (n != 0) {
            return n;
        }
        readable.selectedKeys().clear();
        if (readable.select(Math.max(1, timeout.toMillis())) == 0) {
            return 0;
        }
        return ch.read(b);
    }

    @Override
    public void write(byte[] bytes, Duration timeout) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            if (ch.write(b) > 0) {
                continue;
            }
            writable.selectedKeys().clear();
            if (writable.select(Math.max(1, timeout.toMillis())) == 0) {
                throw new IOException("the console took no input for " + timeout.toSeconds() + " s");
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            readable.close();
            writable.close();
        } finally {
            ch.close();
        }
    }
}
