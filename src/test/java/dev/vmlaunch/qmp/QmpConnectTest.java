package dev.vmlaunch.qmp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.qmp.QmpConnectException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QmpConnectTest {
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final Duration LONG = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void aSocketThatNeverAppearsIsReportedAsMissing() {
        Path socket = dir.resolve("qmp.sock");
        QmpConnectException e = assertThrows(QmpConnectException.class, () -> QmpClient.connect(socket, SHORT));
        assertEquals(Reason.SOCKET_MISSING, e.reason());
        assertTrue(e.getMessage().contains(socket.toString()), e.getMessage());
    }

    @Test
    void aSocketFileNobodyListensOnIsReportedAsRefused() throws Exception {
        FakeQmpServer server = FakeQmpServer.startNegotiating(dir);
        server.stopListening();
        try {
            assertTrue(Files.exists(server.socket()), "a closed listener leaves its socket file behind");
            QmpConnectException e =
                    assertThrows(QmpConnectException.class, () -> QmpClient.connect(server.socket(), SHORT));
            assertEquals(Reason.REFUSED, e.reason());
        } finally {
            server.close();
        }
    }

    @Test
    void aPathTooLongForASocketAddressIsRejectedWithoutWaiting() {
        Path socket = dir.resolve("q".repeat(120) + ".sock");
        QmpConnectException e = assertThrows(QmpConnectException.class, () -> QmpClient.connect(socket, LONG));
        assertEquals(Reason.PATH_TOO_LONG, e.reason());
    }

    @Test
    void aRegularFileIsRejectedWithoutWaiting() throws Exception {
        Path file = Files.writeString(dir.resolve("qmp.sock"), "not a socket");
        QmpConnectException e = assertThrows(QmpConnectException.class, () -> QmpClient.connect(file, LONG));
        assertEquals(Reason.NOT_A_SOCKET, e.reason());
    }

    @Test
    // "try": the server only has to be listening while the client talks to it.
    @SuppressWarnings("try")
    void connectWaitsForASocketThatAppearsLater() throws Exception {
        Path socket = dir.resolve("qmp.sock");
        CompletableFuture<QmpClient> connected = new CompletableFuture<>();
        Thread connector = new Thread(() -> {
            try {
                connected.complete(QmpClient.connect(socket, LONG));
            } catch (Throwable t) {
                connected.completeExceptionally(t);
            }
        });
        connector.start();
        // Bind only once the client is pausing between attempts, so the wait itself is what is tested.
        await().until(() -> connector.getState() == Thread.State.TIMED_WAITING);
        try (FakeQmpServer server = FakeQmpServer.startNegotiating(dir);
                QmpClient client = connected.get(20, TimeUnit.SECONDS)) {
            assertTrue(client.isOpen());
            assertEquals(7, client.version().major());
        }
    }

    @Test
    void aPeerThatAcceptsButNeverSpeaksTimesOutWithoutGreeting() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (FakeQmpServer server = FakeQmpServer.start(dir, peer -> never.await())) {
            QmpConnectException e =
                    assertThrows(QmpConnectException.class, () -> QmpClient.connect(server.socket(), SHORT));
            assertEquals(Reason.NO_GREETING, e.reason());
            assertTrue(e.getMessage().contains("another client"), e.getMessage());
            FakeQmpServer.Peer silent = server.acceptedPeer();
            await().until(silent::clientClosed);
        } finally {
            never.countDown();
        }
    }

    @Test
    void aPeerThatHangsUpBeforeGreetingIsReportedAsNoGreeting() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, FakeQmpServer.Peer::hangUp)) {
            QmpConnectException e =
                    assertThrows(QmpConnectException.class, () -> QmpClient.connect(server.socket(), LONG));
            assertEquals(Reason.NO_GREETING, e.reason());
            assertTrue(e.getMessage().contains("closed the connection"), e.getMessage());
        }
    }

    @Test
    void aPeerThatSpeaksSomethingElseIsNotQmp() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, peer -> peer.sendLine("SSH-2.0-OpenSSH_9.2p1"))) {
            QmpConnectException e =
                    assertThrows(QmpConnectException.class, () -> QmpClient.connect(server.socket(), LONG));
            assertEquals(Reason.NOT_QMP, e.reason());
            assertTrue(e.getMessage().contains("SSH-2.0-OpenSSH_9.2p1"), e.getMessage());
        }
    }

    @Test
    void jsonWithoutAQmpGreetingIsNotQmp() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, peer -> peer.sendLine("{\"hello\": \"world\"}"))) {
            QmpConnectException e =
                    assertThrows(QmpConnectException.class, () -> QmpClient.connect(server.socket(), LONG));
            assertEquals(Reason.NOT_QMP, e.reason());
        }
    }

    @Test
    void aGreetingWithoutNewlineIsNotAGreetingYet() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, peer -> peer.send(FakeQmpServer.GREETING))) {
            QmpConnectException e =
                    assertThrows(QmpConnectException.class, () -> QmpClient.connect(server.socket(), SHORT));
            assertEquals(Reason.NO_GREETING, e.reason());
        }
    }

    @Test
    void rejectedCapabilitiesNegotiationFailsTheConnect() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, peer -> {
            peer.sendLine(FakeQmpServer.GREETING);
            peer.error(peer.request(), "GenericError", "Capabilities negotiation is already complete");
        })) {
            QmpConnectException e =
                    assertThrows(QmpConnectException.class, () -> QmpClient.connect(server.socket(), LONG));
            assertEquals(Reason.NEGOTIATION_FAILED, e.reason());
            assertTrue(e.getCause() instanceof QmpErrorException);
        }
    }

    @Test
    void anUnansweredNegotiationTimesOutWithinTheConnectTimeout() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, peer -> {
            peer.sendLine(FakeQmpServer.GREETING);
            peer.request();
        })) {
            QmpConnectException e =
                    assertThrows(QmpConnectException.class, () -> QmpClient.connect(server.socket(), SHORT));
            assertEquals(Reason.NEGOTIATION_FAILED, e.reason());
            assertTrue(e.getCause() instanceof QmpTimeoutException);
            assertNull(server.scriptFailure());
        }
    }
}
