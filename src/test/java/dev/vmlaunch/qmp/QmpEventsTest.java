package dev.vmlaunch.qmp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class QmpEventsTest extends ConnectedToFakeQmp {

    @Test
    void eventsCarryNameDataAndQemusTimestamp() throws Exception {
        List<QmpEvent> seen = new CopyOnWriteArrayList<>();
        client.addEventListener(seen::add);
        peer.event("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}");
        await().until(() -> seen.size() == 1);

        QmpEvent shutdown = seen.get(0);
        assertEquals("SHUTDOWN", shutdown.name());
        assertEquals("guest-shutdown", shutdown.data().path("reason").asText());
        assertEquals(Instant.ofEpochSecond(1_700_000_000L, 250_000_000L), shutdown.timestamp());
    }

    @Test
    void anEventWithoutDataHasAnEmptyObject() throws Exception {
        List<QmpEvent> seen = new CopyOnWriteArrayList<>();
        client.addEventListener(seen::add);
        peer.event("STOP", null);
        await().until(() -> seen.size() == 1);
        assertTrue(seen.get(0).data().isObject());
        assertEquals(0, seen.get(0).data().size());
    }

    @Test
    void aMissingTimestampFallsBackToTheTimeOfReceipt() throws Exception {
        Instant before = Instant.now();
        JsonNode message = new ObjectMapper().readTree("{\"event\": \"RESET\"}");
        QmpEvent reset = QmpEvent.fromMessage(message, before);
        assertEquals(before, reset.timestamp());
    }

    @Test
    void eventsInterleavedWithRepliesReachListenersInOrder() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        client.addEventListener(event -> seen.add(event.name()));

        Future<JsonNode> stop = background.submit(() -> client.execute("stop", TIMEOUT));
        JsonNode stopRequest = peer.request();
        peer.event("STOP", null);
        peer.reply(stopRequest, "{}");
        assertTrue(stop.get().isObject());

        Future<JsonNode> cont = background.submit(() -> client.execute("cont", TIMEOUT));
        JsonNode contRequest = peer.request();
        peer.event("RESUME", null);
        peer.event("RTC_CHANGE", "{\"offset\": 1}");
        peer.reply(contRequest, "{}");
        assertTrue(cont.get().isObject());

        await().until(() -> seen.size() == 3);
        assertEquals(List.of("STOP", "RESUME", "RTC_CHANGE"), seen);
    }

    @Test
    void aThrowingListenerDoesNotStopOtherListenersOrLaterEvents() throws Exception {
        List<String> seenByThrower = new CopyOnWriteArrayList<>();
        List<String> seenByOther = new CopyOnWriteArrayList<>();
        client.addEventListener(event -> {
            seenByThrower.add(event.name());
            throw new IllegalStateException("listener bug");
        });
        client.addEventListener(event -> seenByOther.add(event.name()));

        peer.event("STOP", null);
        peer.event("RESUME", null);
        await().until(() -> seenByOther.size() == 2);
        assertEquals(List.of("STOP", "RESUME"), seenByThrower);

        Future<JsonNode> status = background.submit(() -> client.execute("query-status", TIMEOUT));
        peer.reply(peer.request(), "{\"status\": \"running\", \"running\": true}");
        assertTrue(status.get().path("running").asBoolean());
        assertTrue(client.isOpen());
    }

    @Test
    void aBlockedListenerDoesNotDelayReplies() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        client.addEventListener(event -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        peer.event("STOP", null);
        Future<JsonNode> status = background.submit(() -> client.execute("query-status", TIMEOUT));
        peer.reply(peer.request(), "{\"status\": \"paused\", \"running\": false}");
        assertEquals("paused", status.get().path("status").asText());
        release.countDown();
    }

    @Test
    void aListenerMayRunCommands() throws Exception {
        List<String> statuses = new CopyOnWriteArrayList<>();
        client.addEventListener(event -> {
            try {
                statuses.add(client.queryStatus(TIMEOUT).status());
            } catch (QmpException | InterruptedException e) {
                statuses.add("failed: " + e);
            }
        });
        peer.event("STOP", null);
        peer.reply(peer.request(), "{\"status\": \"paused\", \"running\": false}");
        await().until(() -> statuses.size() == 1);
        assertEquals(List.of("paused"), statuses);
    }

    @Test
    void aRemovedListenerHearsNothingMore() throws Exception {
        List<String> removed = new CopyOnWriteArrayList<>();
        List<String> kept = new CopyOnWriteArrayList<>();
        java.util.function.Consumer<QmpEvent> listener = event -> removed.add(event.name());
        client.addEventListener(listener);
        client.addEventListener(event -> kept.add(event.name()));
        client.removeEventListener(listener);
        peer.event("STOP", null);
        await().until(() -> kept.size() == 1);
        assertEquals(List.of(), removed);
    }

    @Test
    void anExpectedEventThatArrivesBeforeTheReplyIsNotMissed() throws Exception {
        try (ExpectedEvent stopped = client.expectEvent("STOP")) {
            Future<JsonNode> stop = background.submit(() -> client.execute("stop", TIMEOUT));
            JsonNode request = peer.request();
            peer.event("STOP", null);
            peer.reply(request, "{}");
            stop.get();
            assertEquals("STOP", stopped.await(TIMEOUT).name());
        }
    }

    @Test
    void expectEventSkipsOtherEventsAndThoseFailingThePredicate() throws Exception {
        try (ExpectedEvent deleted = client.expectEvent("DEVICE_DELETED", event -> "net1"
                .equals(event.data().path("device").asText()))) {
            peer.event("RESUME", null);
            peer.event("DEVICE_DELETED", "{\"device\": \"net0\", \"path\": \"/machine/peripheral/net0\"}");
            peer.event("DEVICE_DELETED", "{\"device\": \"net1\", \"path\": \"/machine/peripheral/net1\"}");
            assertEquals(
                    "/machine/peripheral/net1",
                    deleted.await(TIMEOUT).data().path("path").asText());
        }
    }

    @Test
    void aThrowingPredicateCountsAsNoMatchAndKeepsTheReaderAlive() throws Exception {
        try (ExpectedEvent broken = client.expectEvent("STOP", event -> {
            throw new IllegalStateException("predicate bug");
        })) {
            peer.event("STOP", null);
            assertThrows(QmpTimeoutException.class, () -> broken.await(Duration.ofMillis(200)));
        }
        Future<QmpEvent> next = background.submit(() -> client.awaitEvent("RESUME", TIMEOUT));
        await().until(() -> {
            peer.event("RESUME", null);
            return next.isDone();
        });
        assertEquals("RESUME", next.get().name());
    }

    @Test
    void awaitEventTimesOutWhenTheEventNeverComes() {
        QmpTimeoutException timeout =
                assertThrows(QmpTimeoutException.class, () -> client.awaitEvent("SHUTDOWN", Duration.ofMillis(200)));
        assertTrue(timeout.getMessage().contains("SHUTDOWN"), timeout.getMessage());
        assertTrue(client.isOpen());
    }

    @Test
    void waitingForAnEventFailsAsClosedWhenTheServerHangsUp() throws Exception {
        Future<QmpEvent> shutdown = background.submit(() -> client.awaitEvent("SHUTDOWN", TIMEOUT));
        // Whether the background wait registers before or after the hang-up, it must end as closed.
        try (ExpectedEvent registered = client.expectEvent("SHUTDOWN")) {
            peer.hangUp();
            QmpClosedException closed = assertThrows(QmpClosedException.class, () -> registered.await(TIMEOUT));
            assertTrue(closed.closedByPeer());
        }
        java.util.concurrent.ExecutionException failed =
                assertThrows(java.util.concurrent.ExecutionException.class, shutdown::get);
        assertTrue(failed.getCause() instanceof QmpClosedException);
    }

    @Test
    void anEventThatArrivedBeforeTheServerHungUpIsStillReturned() throws Exception {
        try (ExpectedEvent shutdown = client.expectEvent("SHUTDOWN")) {
            peer.event("SHUTDOWN", "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
            peer.hangUp();
            assertTrue(client.awaitClosed(TIMEOUT));
            assertEquals(
                    "host-qmp-quit",
                    shutdown.await(TIMEOUT).data().path("reason").asText());
        }
    }

    @Test
    void expectingAnEventOnAClosedClientFailsAtOnce() {
        client.close();
        ExpectedEvent late = client.expectEvent("SHUTDOWN");
        QmpClosedException closed = assertThrows(QmpClosedException.class, () -> late.await(TIMEOUT));
        assertFalse(closed.closedByPeer());
    }
}
