package dev.vmlaunch.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A QMP peer on a real unix socket, scripted by the test. It accepts connections in the background and
 * runs the script on each; the test can also take the accepted {@link Peer} and drive it from the test
 * thread.
 */
final class FakeQmpServer implements AutoCloseable {
    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7},"
            + " \"package\": \"Debian 1:7.2+dfsg-7+deb12u18\"}, \"capabilities\": [\"oob\"]}}";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @FunctionalInterface
    interface Script {
        void run(Peer peer) throws Exception;
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final BlockingQueue<Peer> accepted = new LinkedBlockingQueue<>();
    private final BlockingQueue<Peer> scripted = new LinkedBlockingQueue<>();
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Throwable> scriptFailure = new CompletableFuture<>();
    private volatile boolean listening = true;

    private FakeQmpServer(Path socket, Script script) throws IOException {
        this.socket = socket;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.acceptor = new Thread(() -> acceptLoop(script), "fake-qmp-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Listens on {@code dir/qmp.sock} and runs {@code script} for every connection. */
    static FakeQmpServer start(Path dir, Script script) throws IOException {
        return new FakeQmpServer(dir.resolve("qmp.sock"), script);
    }

    /** Listens and greets and negotiates like QEMU; the test drives the rest through {@link #peer()}. */
    static FakeQmpServer startNegotiating(Path dir) throws IOException {
        return start(dir, Peer::handshake);
    }

    Path socket() {
        return socket;
    }

    /** The next connection whose script has finished (for {@link #startNegotiating}: negotiated). */
    Peer peer() throws InterruptedException {
        Peer peer = scripted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(peer, "no client connection got through the fake QMP server's script");
        return peer;
    }

    /** The next accepted connection, whether or not its script has finished. */
    Peer acceptedPeer() throws InterruptedException {
        Peer peer = accepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(peer, "the client never connected to the fake QMP server");
        return peer;
    }

    /** Stops listening but leaves the socket file behind, like a QEMU that was killed. */
    void stopListening() throws IOException, InterruptedException {
        listening = false;
        server.close();
        // A thread blocked in accept() keeps the kernel socket alive (and accepting) until it returns.
        acceptor.join(WAIT.toMillis());
    }

    /** A script that threw (other than because the client hung up) fails the test at close. */
    Throwable scriptFailure() {
        return scriptFailure.getNow(null);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Peer peer : peers) {
            peer.hangUp();
        }
        try {
            acceptor.join(WAIT.toMillis());
        } catch (InterruptedException e) {
            // Kept as the thread's status: thrown from close() it could end up a suppressed exception, lost.
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(socket);
    }

    private void acceptLoop(Script script) {
        try {
            while (true) {
                SocketChannel channel = server.accept();
                if (!listening) {
                    channel.close();
                    return;
                }
                Peer peer = new Peer(channel);
                peers.add(peer);
                accepted.add(peer);
                Thread runner = new Thread(
                        () -> {
                            try {
                                script.run(peer);
                                scripted.add(peer);
                            } catch (Throwable t) {
                                if (!peer.hungUp) {
                                    scriptFailure.complete(t);
                                }
                            }
                        },
                        "fake-qmp-script");
                runner.setDaemon(true);
                runner.start();
            }
        } catch (IOException closed) {
            // close() or stopListening()
        }
    }

    /** One client connection seen from the server side. */
    static final class Peer {
        private final SocketChannel channel;
        private final BlockingQueue<JsonNode> requests = new LinkedBlockingQueue<>();
        private final CompletableFuture<Void> clientGone = new CompletableFuture<>();
        private volatile boolean hungUp;

        Peer(SocketChannel channel) {
            this.channel = channel;
            Thread reader = new Thread(this::readLoop, "fake-qmp-peer-reader");
            reader.setDaemon(true);
            reader.start();
        }

        /** Greets like QEMU 7.2 and answers qmp_capabilities. */
        void handshake() throws Exception {
            sendLine(GREETING);
            JsonNode negotiate = request();
            assertEquals("qmp_capabilities", negotiate.path("execute").asText());
            reply(negotiate, "{}");
        }

        /** The next request from the client; fails the test if none arrives. */
        JsonNode request() throws InterruptedException {
            JsonNode request = requests.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(request, "the client sent no request");
            return request;
        }

        /** The next request, or null if none arrives within {@code wait}. */
        JsonNode pollRequest(Duration wait) throws InterruptedException {
            return requests.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        }

        void reply(JsonNode request, String returnJson) throws IOException {
            sendLine("{\"return\": " + returnJson + ", \"id\": " + request.get("id") + "}");
        }

        void error(JsonNode request, String errorClass, String desc) throws IOException {
            sendLine("{\"id\": " + request.get("id") + ", \"error\": {\"class\": \"" + errorClass + "\", \"desc\": \""
                    + desc + "\"}}");
        }

        void event(String name, String dataJson) throws IOException {
            sendLine(eventLine(name, dataJson));
        }

        static String eventLine(String name, String dataJson) {
            return "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250000}, \"event\": \"" + name + "\""
                    + (dataJson == null ? "" : ", \"data\": " + dataJson) + "}";
        }

        /** QEMU ends lines with CRLF. */
        void sendLine(String json) throws IOException {
            send(json + "\r\n");
        }

        void send(String text) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        void hangUp() throws IOException {
            hungUp = true;
            channel.close();
        }

        /** Whether the client closed its end, seen as EOF here. */
        boolean clientClosed() {
            return clientGone.isDone();
        }

        private void readLoop() {
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            StringBuilder partial = new StringBuilder();
            try {
                while (channel.read(buffer) >= 0) {
                    buffer.flip();
                    partial.append(StandardCharsets.UTF_8.decode(buffer));
                    buffer.clear();
                    int newline;
                    while ((newline = partial.indexOf("\n")) >= 0) {
                        requests.add(MAPPER.readTree(partial.substring(0, newline)));
                        partial.delete(0, newline + 1);
                    }
                }
            } catch (IOException e) {
                // hangUp() closed the channel, or the client reset it
            } finally {
                clientGone.complete(null);
            }
        }
    }
}
