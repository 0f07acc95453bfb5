package dev.vmlaunch.lkvm;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LkvmIpcTest {
    private static final Duration T = Duration.ofSeconds(2);

    @TempDir
    Path home;

    Path sock(String name) {
        return LkvmIpc.socketOf(LkvmIpc.socketDir(Map.of("HOME", home.toString())), name);
    }

    @Test
    void socketsLiveInHomeDotLkvm() {
        assertEquals(home.resolve(".lkvm/g1.sock"), sock("g1"));
    }

    @Test
    void pidAndVmstateOnOneConnectionLikeLkvmList() throws Exception {
        try (FakeLkvmServer s = FakeLkvmServer.start(sock("g1"), 4242);
                LkvmIpc ipc = LkvmIpc.connect(s.socket(), T)) {
            assertEquals(4242, ipc.pid());
            assertEquals(LkvmIpc.VmState.RUNNING, ipc.vmState());
            ipc.pause();
            assertEquals(LkvmIpc.VmState.PAUSED, ipc.vmState());
            ipc.resume();
            assertEquals(LkvmIpc.VmState.RUNNING, ipc.vmState());
            assertEquals(
                    List.of(
                            LkvmIpc.PID,
                            LkvmIpc.VMSTATE,
                            LkvmIpc.PAUSE,
                            LkvmIpc.VMSTATE,
                            LkvmIpc.RESUME,
                            LkvmIpc.VMSTATE),
                    s.requests().stream().map(FakeLkvmServer.Request::type).toList());
        }
    }

    @Test
    void theHeaderArrivesInOneWriteWithLengthZero() throws Exception {
        try (FakeLkvmServer s = FakeLkvmServer.start(sock("g1"), 1);
                LkvmIpc ipc = LkvmIpc.connect(s.socket(), T)) {
            ipc.stop();
            await().atMost(Duration.ofSeconds(5)).until(s::stopped);
            FakeLkvmServer.Request r = s.requests().get(0);
            assertEquals(0, r.len());
            assertTrue(r.headerInOneRead());
        }
    }

    @Test
    void aSocketWithNobodyBehindItRefuses() throws Exception {
        Path p = sock("ghost");
        Files.createDirectories(p.getParent());
        try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ss.bind(UnixDomainSocketAddress.of(p));
        }
        assertTrue(Files.exists(p), "closing a listener leaves its socket file, as a killed lkvm does");
        assertThrows(ConnectException.class, () -> LkvmIpc.connect(p, T));
    }

    @Test
    void aKvmtoolThatNeverAnswersTimesOut() throws Exception {
        try (FakeLkvmServer s = FakeLkvmServer.silent(sock("stuck"));
                LkvmIpc ipc = LkvmIpc.connect(s.socket(), Duration.ofMillis(300))) {
            IOException e = assertThrows(IOException.class, ipc::pid);
            assertTrue(e.getMessage().contains("did not answer within 300 ms"), e.getMessage());
        }
    }

    @Test
    void scanReportsLiveGuestsAndRemovesDeadSockets() throws Exception {
        Path dead = sock("b-dead");
        Files.createDirectories(dead.getParent());
        try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ss.bind(UnixDomainSocketAddress.of(dead));
        }
        try (FakeLkvmServer a = FakeLkvmServer.start(sock("a-live"), 777)) {
            List<LkvmInstances.Instance> found = LkvmInstances.scan(dead.getParent(), T);
            assertEquals(2, found.size());
            LkvmInstances.Instance live = found.get(0);
            assertEquals("a-live", live.name());
            assertEquals(a.socket(), live.socket());
            assertEquals(777, live.pid());
            assertEquals(LkvmIpc.VmState.RUNNING, live.state());
            LkvmInstances.Instance ghost = found.get(1);
            assertEquals("b-dead", ghost.name());
            assertTrue(ghost.dead());
            assertFalse(ghost.answered());
            assertFalse(Files.exists(dead), "a dead socket is reported, not kept");
        }
    }
}
