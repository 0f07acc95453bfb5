package dev.vmlaunch.qmp;

import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vmlaunch.qmp.FakeQmpServer.Peer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture of the QMP client tests: a {@link QmpClient} connected to a {@link FakeQmpServer} that has negotiated
 * capabilities, the server's side of the connection as {@link #peer}, and threads for calls that block. After each
 * test the server's script must not have failed.
 */
abstract class ConnectedToFakeQmp {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    final ExecutorService background = Executors.newCachedThreadPool();
    FakeQmpServer server;
    QmpClient client;
    Peer peer;

    @BeforeEach
    void connect() throws Exception {
        server = FakeQmpServer.startNegotiating(dir);
        client = QmpClient.connect(server.socket(), TIMEOUT);
        peer = server.peer();
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        server.close();
        background.shutdownNow();
        assertNull(server.scriptFailure());
    }
}
