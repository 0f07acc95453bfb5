package dev.vmlaunch.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.qmp.QmpConnectException.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against real QEMU 7.2 processes ({@code -M none}: QMP without a guest). */
class QmpClientIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private QemuUnderTest qemu;

    @AfterEach
    void stopQemu() throws Exception {
        if (qemu != null) {
            qemu.close();
        }
    }

    @Test
    void connectReadsTheVersionFromTheGreeting() throws Exception {
        qemu = QemuUnderTest.start(dir, "qmp.sock");
        try (QmpClient client = QmpClient.connect(qemu.socket(0), TIMEOUT)) {
            String banner = QemuUnderTest.versionBanner();
            assertTrue(
                    banner.contains("QEMU emulator version " + client.version()),
                    "greeting says " + client.version() + ", --version says " + banner);
            assertTrue(banner.contains(client.version().packageName()), banner);
            assertTrue(
                    client.capabilities().contains("oob"), client.capabilities().toString());
        }
    }

    @Test
    void queryStatusAndQueryPciAnswer() throws Exception {
        qemu = QemuUnderTest.start(dir, "qmp.sock");
        try (QmpClient client = QmpClient.connect(qemu.socket(0), TIMEOUT)) {
            assertEquals(new QmpStatus("running", true), client.queryStatus(TIMEOUT));
            JsonNode pci = client.queryPci(TIMEOUT);
            assertTrue(pci.isArray(), pci.toString());
        }
    }

    @Test
    void stopAndContEmitStopAndResume() throws Exception {
        qemu = QemuUnderTest.start(dir, "qmp.sock");
        try (QmpClient client = QmpClient.connect(qemu.socket(0), TIMEOUT)) {
            List<String> heard = new CopyOnWriteArrayList<>();
            client.addEventListener(event -> heard.add(event.name()));

            try (ExpectedEvent stopped = client.expectEvent("STOP")) {
                client.stop(TIMEOUT);
                assertEquals("STOP", stopped.await(TIMEOUT).name());
            }
            assertEquals(new QmpStatus("paused", false), client.queryStatus(TIMEOUT));

            try (ExpectedEvent resumed = client.expectEvent("RESUME")) {
                client.cont(TIMEOUT);
                assertTrue(resumed.await(TIMEOUT).timestamp().getEpochSecond() > 0);
            }
            assertTrue(client.queryStatus(TIMEOUT).running());
            org.awaitility.Awaitility.await().until(() -> heard.size() >= 2);
            assertEquals(List.of("STOP", "RESUME"), heard.subList(0, 2));
        }
    }

    @Test
    void anUnknownCommandIsCommandNotFoundAndTheSessionGoesOn() throws Exception {
        qemu = QemuUnderTest.start(dir, "qmp.sock");
        try (QmpClient client = QmpClient.connect(qemu.socket(0), TIMEOUT)) {
            QmpErrorException e =
                    assertThrows(QmpErrorException.class, () -> client.execute("no-such-command", TIMEOUT));
            assertEquals("CommandNotFound", e.errorClass());
            assertTrue(e.description().contains("no-such-command"), e.description());

            QmpErrorException bad = assertThrows(
                    QmpErrorException.class,
                    () -> client.execute("device_del", java.util.Map.of("id", "nothing-here"), TIMEOUT));
            assertEquals("DeviceNotFound", bad.errorClass());

            assertTrue(client.queryStatus(TIMEOUT).running());
        }
    }

    @Test
    void quitEndsTheSessionAndQemuExitsCleanly() throws Exception {
        qemu = QemuUnderTest.start(dir, "qmp.sock");
        try (QmpClient client = QmpClient.connect(qemu.socket(0), TIMEOUT);
                ExpectedEvent shutdown = client.expectEvent("SHUTDOWN")) {
            client.quit(TIMEOUT);
            assertEquals(
                    "host-qmp-quit",
                    shutdown.await(TIMEOUT).data().path("reason").asText());
            assertTrue(client.awaitClosed(TIMEOUT), "QEMU should hang up after quit");
            assertFalse(client.isOpen());
            QmpClosedException after = assertThrows(QmpClosedException.class, () -> client.queryStatus(TIMEOUT));
            assertTrue(after.closedByPeer());
        }
        assertTrue(qemu.process().waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "QEMU did not exit after quit");
        assertEquals(0, qemu.process().exitValue(), qemu.log());
    }

    @Test
    void aSecondClientOnABusyMonitorGetsNoGreetingWithinItsBound() throws Exception {
        qemu = QemuUnderTest.start(dir, "qmp.sock");
        try (QmpClient first = QmpClient.connect(qemu.socket(0), TIMEOUT)) {
            // QEMU's kernel backlog accepts the connection, but QEMU itself serves one client per monitor.
            QmpConnectException e = assertTimeoutPreemptively(
                    TIMEOUT,
                    () -> assertThrows(
                            QmpConnectException.class, () -> QmpClient.connect(qemu.socket(0), Duration.ofSeconds(1))));
            assertEquals(Reason.NO_GREETING, e.reason());
            assertTrue(first.queryStatus(TIMEOUT).running(), "the first client is unaffected");
        }
        try (QmpClient next = QmpClient.connect(qemu.socket(0), TIMEOUT)) {
            assertTrue(next.queryStatus(TIMEOUT).running(), "the monitor is free again once the first client left");
        }
    }

    @Test
    void aSecondMonitorSeesEventsCausedThroughTheFirst() throws Exception {
        qemu = QemuUnderTest.start(dir, "ctl.sock", "events.sock");
        try (QmpClient supervisor = QmpClient.connect(qemu.socket(1), TIMEOUT);
                ExpectedEvent stopped = supervisor.expectEvent("STOP")) {
            try (QmpClient cli = QmpClient.connect(qemu.socket(0), TIMEOUT)) {
                cli.stop(TIMEOUT);
            }
            assertEquals("STOP", stopped.await(TIMEOUT).name());
            assertEquals("paused", supervisor.queryStatus(TIMEOUT).status());
        }
    }

    @Test
    void connectFailsAsRefusedOnceQemuIsGone() throws Exception {
        qemu = QemuUnderTest.start(dir, "qmp.sock");
        try (QmpClient client = QmpClient.connect(qemu.socket(0), TIMEOUT)) {
            qemu.process().destroyForcibly();
            assertTrue(qemu.process().waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(client.awaitClosed(TIMEOUT));
        }
        // SIGKILL leaves the socket file behind; it must not look like a live QEMU.
        QmpConnectException e = assertThrows(
                QmpConnectException.class, () -> QmpClient.connect(qemu.socket(0), Duration.ofMillis(500)));
        assertEquals(Reason.REFUSED, e.reason());
    }
}
