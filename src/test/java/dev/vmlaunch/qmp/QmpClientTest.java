package dev.vmlaunch.qmp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.qmp.FakeQmpServer.Peer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QmpClientTest extends ConnectedToFakeQmp {

    @Test
    void versionAndCapabilitiesComeFromTheGreeting() {
        assertEquals(new QemuVersion(7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18"), client.version());
        assertEquals("7.2.22", client.version().toString());
        assertTrue(client.version().atLeast(7, 2));
        assertFalse(client.version().atLeast(8, 0));
        assertEquals(List.of("oob"), client.capabilities());
        assertTrue(client.isOpen());
    }

    @Test
    void argumentsAreSentAsAnObjectAndOmittedWhenThereAreNone() throws Exception {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("id", "net0");
        args.put("detach", true);
        Future<JsonNode> withArgs = background.submit(() -> client.execute("device_del", args, TIMEOUT));
        JsonNode request = peer.request();
        assertEquals("device_del", request.path("execute").asText());
        assertEquals("net0", request.path("arguments").path("id").asText());
        assertTrue(request.path("arguments").path("detach").asBoolean());
        peer.reply(request, "{}");
        assertTrue(withArgs.get().isObject());

        Future<JsonNode> without = background.submit(() -> client.execute("query-pci", TIMEOUT));
        JsonNode bare = peer.request();
        assertFalse(bare.has("arguments"));
        peer.reply(bare, "[{\"bus\": 0, \"devices\": []}]");
        assertEquals(0, without.get().path(0).path("bus").asInt());
    }

    @Test
    void everyCommandGetsItsOwnId() throws Exception {
        Future<JsonNode> first = background.submit(() -> client.execute("query-status", TIMEOUT));
        JsonNode a = peer.request();
        Future<JsonNode> second = background.submit(() -> client.execute("query-status", TIMEOUT));
        JsonNode b = peer.request();
        assertTrue(a.get("id").isIntegralNumber());
        assertFalse(a.get("id").equals(b.get("id")));
        peer.reply(a, "{}");
        peer.reply(b, "{}");
        first.get();
        second.get();
    }

    @Test
    void repliesAnsweredOutOfOrderReachTheCommandWithTheirId() throws Exception {
        Future<JsonNode> status = background.submit(() -> client.execute("query-status", TIMEOUT));
        JsonNode statusRequest = peer.request();
        Future<JsonNode> pci = background.submit(() -> client.execute("query-pci", TIMEOUT));
        JsonNode pciRequest = peer.request();

        peer.reply(pciRequest, "[{\"bus\": 0}]");
        peer.reply(statusRequest, "{\"status\": \"running\", \"running\": true}");

        assertEquals("running", status.get().path("status").asText());
        assertTrue(pci.get().isArray());
    }

    @Test
    void severalMessagesInOneWriteAreAllHandled() throws Exception {
        List<QmpEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        client.addEventListener(seen::add);
        Future<JsonNode> stop = background.submit(() -> client.execute("stop", TIMEOUT));
        JsonNode request = peer.request();
        peer.send(Peer.eventLine("STOP", null) + "\r\n{\"return\": {}, \"id\": " + request.get("id") + "}\r\n"
                + Peer.eventLine("RESUME", null) + "\r\n");
        assertTrue(stop.get().isObject());
        await().until(() -> seen.size() == 2);
        assertEquals(
                List.of("STOP", "RESUME"), seen.stream().map(QmpEvent::name).toList());
    }

    @Test
    void aReplyCutIntoPiecesIsReassembled() throws Exception {
        Future<JsonNode> status = background.submit(() -> client.execute("query-status", TIMEOUT));
        JsonNode request = peer.request();
        String line =
                "{\"return\": {\"status\": \"paused\", \"running\": false}, \"id\": " + request.get("id") + "}\r\n";
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            peer.send(String.valueOf(c));
        }
        assertEquals("paused", status.get().path("status").asText());
    }

    @Test
    void queryStatusReadsStatusAndRunning() throws Exception {
        Future<QmpStatus> status = background.submit(() -> client.queryStatus(TIMEOUT));
        JsonNode request = peer.request();
        assertEquals("query-status", request.path("execute").asText());
        peer.reply(request, "{\"status\": \"paused\", \"singlestep\": false, \"running\": false}");
        assertEquals(new QmpStatus("paused", false), status.get());
    }

    @Test
    void anErrorReplyBecomesQmpErrorExceptionWithItsClass() throws Exception {
        Future<JsonNode> bogus = background.submit(() -> client.execute("no-such-command", TIMEOUT));
        JsonNode request = peer.request();
        peer.error(request, "CommandNotFound", "The command no-such-command has not been found");

        QmpErrorException error = assertInstanceOf(QmpErrorException.class, causeOf(bogus));
        assertEquals("CommandNotFound", error.errorClass());
        assertEquals("The command no-such-command has not been found", error.description());
        assertEquals("no-such-command", error.command());
        assertTrue(client.isOpen(), "an error reply is an answer, not a broken connection");
    }

    @Test
    void anErrorReplyWithoutIdGoesToTheOldestWaitingCommand() throws Exception {
        Future<JsonNode> first = background.submit(() -> client.execute("first", TIMEOUT));
        JsonNode firstRequest = peer.request();
        Future<JsonNode> second = background.submit(() -> client.execute("second", TIMEOUT));
        JsonNode secondRequest = peer.request();

        peer.sendLine("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error\"}}");
        peer.reply(secondRequest, "{}");

        QmpErrorException error = assertInstanceOf(QmpErrorException.class, causeOf(first));
        assertEquals("GenericError", error.errorClass());
        assertEquals("first", error.command());
        assertTrue(second.get().isObject());
        assertEquals("first", firstRequest.path("execute").asText());
    }

    @Test
    void aCommandNobodyAnswersTimesOutAndTheConnectionStaysUsable() throws Exception {
        Future<JsonNode> unanswered = background.submit(() -> client.execute("query-status", Duration.ofMillis(200)));
        JsonNode ignored = peer.request();

        QmpTimeoutException timeout = assertInstanceOf(QmpTimeoutException.class, causeOf(unanswered));
        assertEquals(Duration.ofMillis(200), timeout.timeout());
        assertTrue(client.isOpen());

        // The late reply is dropped instead of being taken for the next command's answer.
        peer.reply(ignored, "{\"late\": true}");
        Future<JsonNode> next = background.submit(() -> client.execute("query-pci", TIMEOUT));
        JsonNode nextRequest = peer.request();
        peer.reply(nextRequest, "[]");
        assertTrue(next.get().isArray());
    }

    @Test
    void theServerHangingUpFailsPendingCommandsAsClosedByPeer() throws Exception {
        Future<JsonNode> pending = background.submit(() -> client.execute("query-status", TIMEOUT));
        peer.request();
        peer.hangUp();

        QmpClosedException closed = assertInstanceOf(QmpClosedException.class, causeOf(pending));
        assertTrue(closed.closedByPeer());
        assertFalse(client.isOpen());
        await().until(() -> !client.readerThread().isAlive());
        assertTrue(client.awaitClosed(Duration.ZERO));
    }

    @Test
    void aFifteenMebibyteLineDropsTheConnectionWithOneLineSayingWhy() throws Exception {
        Future<JsonNode> pending = background.submit(() -> client.execute("query-pci", TIMEOUT));
        JsonNode request = peer.request();
        // A well-formed reply, just huge: what a guest could provoke through names QEMU echoes back.
        String huge = "{\"return\": \"" + "x".repeat(15 << 20) + "\", \"id\": " + request.path("id") + "}";
        Future<?> sending = background.submit(() -> {
            peer.sendLine(huge);
            return null;
        });

        QmpClosedException closed = assertInstanceOf(QmpClosedException.class, causeOf(pending));
        assertTrue(
                closed.getMessage().contains("sent a line longer than " + (1 << 20) + " bytes"), closed.getMessage());
        assertFalse(closed.getMessage().contains("\n"), closed.getMessage());
        assertFalse(client.isOpen());
        assertTrue(
                assertThrows(java.util.concurrent.ExecutionException.class, sending::get)
                                .getCause()
                        instanceof java.io.IOException,
                "the client stopped reading and hung up");
    }

    @Test
    void commandsAfterTheServerHungUpFailAsClosed() throws Exception {
        peer.hangUp();
        assertTrue(client.awaitClosed(TIMEOUT));
        QmpClosedException closed =
                assertThrows(QmpClosedException.class, () -> client.execute("query-status", TIMEOUT));
        assertTrue(closed.closedByPeer());
    }

    @Test
    void quitSucceedsWhenTheServerHangsUpInsteadOfAnswering() throws Exception {
        Future<?> quit = background.submit(() -> {
            client.quit(TIMEOUT);
            return null;
        });
        JsonNode request = peer.request();
        assertEquals("quit", request.path("execute").asText());
        peer.hangUp();
        quit.get();
        assertFalse(client.isOpen());
    }

    @Test
    void executeExpectingExitReturnsTheReplyWhenOneArrives() throws Exception {
        Future<Optional<JsonNode>> quit = background.submit(() -> client.executeExpectingExit("quit", null, TIMEOUT));
        JsonNode request = peer.request();
        peer.event("SHUTDOWN", "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
        peer.reply(request, "{}");
        peer.hangUp();
        assertTrue(quit.get().isPresent());
        assertTrue(client.awaitClosed(TIMEOUT));
    }

    @Test
    void executeExpectingExitStillFailsAfterTheClientClosedItself() {
        client.close();
        QmpClosedException closed =
                assertThrows(QmpClosedException.class, () -> client.executeExpectingExit("quit", null, TIMEOUT));
        assertFalse(closed.closedByPeer());
    }

    @Test
    void closeFailsPendingCommandsEndsTheReaderAndCanBeRepeated() throws Exception {
        Future<JsonNode> pending = background.submit(() -> client.execute("query-status", TIMEOUT));
        peer.request();
        client.close();
        client.close();

        QmpClosedException closed = assertInstanceOf(QmpClosedException.class, causeOf(pending));
        assertFalse(closed.closedByPeer());
        assertFalse(client.isOpen());
        await().until(() -> !client.readerThread().isAlive());
        await().until(peer::clientClosed);
        assertThrows(QmpClosedException.class, () -> client.execute("query-status", TIMEOUT));
    }

    @Test
    void readerThreadIsADaemon() {
        assertTrue(client.readerThread().isDaemon());
    }

    @Test
    void aLineThatIsNotJsonEndsTheSession() throws Exception {
        Future<JsonNode> pending = background.submit(() -> client.execute("query-status", TIMEOUT));
        peer.request();
        peer.sendLine("this is not json");

        QmpClosedException closed = assertInstanceOf(QmpClosedException.class, causeOf(pending));
        assertFalse(closed.closedByPeer());
        assertTrue(closed.getMessage().contains("this is not json"), closed.getMessage());
        assertFalse(client.isOpen());
    }

    @Test
    void unknownMessagesAndBlankLinesAreIgnored() throws Exception {
        Future<JsonNode> status = background.submit(() -> client.execute("query-status", TIMEOUT));
        JsonNode request = peer.request();
        peer.send("\r\n");
        peer.sendLine("{\"something-new\": 1}");
        peer.reply(request, "{\"status\": \"running\", \"running\": true}");
        assertTrue(status.get().path("running").asBoolean());
    }

    @Test
    void blankCommandNamesAreRejectedBeforeSending() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> client.execute(" ", TIMEOUT));
        assertNull(peer.pollRequest(Duration.ofMillis(100)));
    }

    private static Throwable causeOf(Future<?> future) throws InterruptedException {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }
}
