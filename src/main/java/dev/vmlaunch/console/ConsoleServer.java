package dev.vmlaunch.console;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A console served on a unix socket the way QEMU's {@code -chardev socket,server=on,wait=off} serves a serial
 * port: what the guest prints goes to every attached client, what a client sends is typed into the guest. Up to
 * {@link #MAX_CLIENTS} at once (QEMU takes one), so that {@code vmlaunch stop} can type its command while a person
 * is attached. The guest decides how much it prints and a client decides how fast it reads: output is written
 * without blocking and a client that cannot take it loses what does not fit (console.log has it all), so a slow
 * or stuck client never holds up the guest, the log or the supervisor.
 */
public final class ConsoleServer implements AutoCloseable {
    public static final int MAX_CLIENTS = 4;
    private static final int READ_CHUNK = 4096;

    /** Where typed input goes; may block (the guest is not reading), which holds up only other clients' input. */
    public interface Input {
        void type(byte[] buf, int len) throws IOException;
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Input input;
    private final Consumer<String> log;
    private final List<SocketChannel> clients = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    private ConsoleServer(
            Path socket, ServerSocketChannel server, Selector selector, Input input, Consumer<String> log) {
        this.socket = socket;
        this.server = server;
        this.selector = selector;
        this.input = input;
        this.log = log;
        this.thread = new Thread(this::loop, "vmlaunch-console-server");
        thread.setDaemon(true);
    }

    /** Binds {@code socket} (owner-only: the caller's folder is 0700) and starts serving. */
    public static ConsoleServer start(Path socket, Input input, Consumer<String> log) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Selector sel = null;
        try {
            ss.bind(UnixDomainSocketAddress.of(socket), MAX_CLIENTS);
            ss.configureBlocking(false);
            sel = Selector.open();
            ss.register(sel, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            ss.close();
            if (sel != null) {
                sel.close();
            }
            throw e;
        }
        ConsoleServer s = new ConsoleServer(socket, ss, sel, input, log);
        s.thread.start();
        return s;
    }

    public Path socket() {
        return socket;
    }

    /** Sends the guest's output to every client, as much of it as each can take now. */
    public void broadcast(byte[] buf, int len) {
        for (SocketChannel c : clients) {
            try {
                ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
                // Non-blocking: a full socket buffer takes 0 bytes; those bytes are lost for this client only.
                c.write(b);
            } catch (IOException e) {
                drop(c);
            }
        }
    }

    public int clientCount() {
        return clients.size();
    }

    private void loop() {
        ByteBuffer in = ByteBuffer.allocate(READ_CHUNK);
        while (!closed) {
            try {
                selector.select();
                for (SelectionKey k : selector.selectedKeys()) {
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isAcceptable()) {
                        accept();
                    } else if (k.isReadable()) {
                        SocketChannel c = (SocketChannel) k.channel();
                        in.clear();
                        int n;
                        try {
                            n = c.read(in);
                        } catch (IOException e) {
                            n = -1;
                        }
                        if (n < 0) {
                            k.cancel();
                            drop(c);
                        } else if (n > 0) {
                            try {
                                input.type(in.array(), n);
                            } catch (IOException e) {
                                log.accept("cannot type into the guest's console: " + e.getMessage());
                            }
                        }
                    }
                }
                selector.selectedKeys().clear();
            } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                return;
            }
        }
    }

    private void accept() throws IOException {
        SocketChannel c = server.accept();
        if (c == null) {
            return;
        }
        c.configureBlocking(false);
        if (clients.size() >= MAX_CLIENTS) {
            c.write(ByteBuffer.wrap(("vmlaunch: " + MAX_CLIENTS + " clients are attached to this console already\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            c.close();
            return;
        }
        clients.add(c);
        c.register(selector, SelectionKey.OP_READ);
    }

    private void drop(SocketChannel c) {
        clients.remove(c);
        try {
            c.close();
        } catch (IOException e) {
            // Gone already.
        }
    }

    /** Closes every client (they see the console end), the listener, and removes the socket. */
    @Override
    public void close() {
        closed = true;
        for (SocketChannel c : clients) {
            drop(c);
        }
        try {
            selector.close();
        } catch (IOException e) {
            // Nothing held.
        }
        try {
            server.close();
        } catch (IOException e) {
            // Nothing held.
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.accept("cannot remove " + socket + ": " + e.getMessage());
        }
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
