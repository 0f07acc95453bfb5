package dev.vmlaunch.lkvm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmlaunch.config.FuzzAssert;
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
 * kvmtool IPC replies over a real unix socket: the peer answers the PID and VMSTATE requests with the fuzzed bytes,
 * then closes. Any reply is a pid and a state, or an IOException with a message, within the client's timeout.
 */
class LkvmIpcFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void repliesParseOrFailWithOneLine(byte[] reply) throws Exception {
        Path dir = Files.createTempDirectory("vmlaunch-fuzz-lkvm");
        Path sock = dir.resolve("g.sock");
        try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ss.bind(UnixDomainSocketAddress.of(sock));
            Thread peer = new Thread(
                    () -> {
                        try (SocketChannel c = ss.accept()) {
                            c.write(ByteBuffer.wrap(reply));
                        } catch (IOException e) {
                            // The client gave up first; nothing to check on this side.
                        }
                    },
                    "fuzz-lkvm-peer");
            peer.setDaemon(true);
            peer.start();
            try (LkvmIpc ipc = LkvmIpc.connect(sock, Duration.ofMillis(500))) {
                ipc.pid();
                ipc.vmState();
            } catch (IOException e) {
                FuzzAssert.oneLineMessage(e);
            }
            peer.join(5_000);
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }
}
