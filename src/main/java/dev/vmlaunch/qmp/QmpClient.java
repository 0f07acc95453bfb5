package dev.vmlaunch.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.qmp.QmpConnectException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A QMP session over a unix socket: greeting, {@code qmp_capabilities}, commands matched to replies by id,
 * and events.
 *
 * <p>Three daemon threads serve one connection. The reader owns the socket's input and hands replies to
 * waiting callers and events to the {@link EventHub}, whose dispatcher thread runs listeners. Writes go
 * through a writer thread: a caller that is interrupted while writing would
 * otherwise close the channel (it is an {@code InterruptibleChannel}), and a peer that stops reading
 * would block the caller without bound; this way the caller only ever waits on a future with a timeout.
 *
 * <p>QEMU serves one client per monitor socket; a second client connects but gets no greeting until the
 * first leaves. A supervisor that stays connected for events therefore needs its own {@code -qmp} socket,
 * separate from the one short-lived clients use. Events go to every monitor.
 */
public final class QmpClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QmpClient.class.getName());
    private static final ObjectMapper MAPPER = JsonMappers.mapper();
    /**
     * The longest reply we ask for (query-pci, query-qom-tree of a big machine) is tens of KiB. A guest can make
     * QEMU's output longer (device names, serial numbers, the strings it reports back through its devices), so
     * a line over 1 MiB is a broken or hostile peer: the connection is dropped with that reason rather than kept
     * growing in a root process's memory.
     */
    static final int MAX_LINE_BYTES = 1024 * 1024;

    private final Path socket;
    private final SocketChannel channel;
    private final Thread reader;
    private final ExecutorService writer;
    private final EventHub events;

    /** Guards id allocation and submission to the writer together, so ids reach QEMU in ascending order. */
    private final Object sendLock = new Object();

    private long nextId = 1;
    /** Sorted by id, so the oldest pending command is first (see {@link #onReply}). */
    private final ConcurrentSkipListMap<Long, PendingCommand> pending = new ConcurrentSkipListMap<>();

    private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
    /** Completed once, with the reason the session ended; its first completion wins. */
    private final CompletableFuture<QmpClosedException> ended = new CompletableFuture<>();

    private volatile QemuVersion version;
    private volatile List<String> capabilities = List.of();

    private record PendingCommand(long id, String command, CompletableFuture<JsonNode> reply) {}

    private QmpClient(Path socket, SocketChannel channel) {
        this.socket = socket;
        this.channel = channel;
        String label = String.valueOf(socket.getFileName());
        this.reader = new Thread(this::readLoop, "qmp-reader " + label);
        this.reader.setDaemon(true);
        this.writer = Executors.newSingleThreadExecutor(daemon("qmp-writer " + label));
        this.events = new EventHub(socket.toString(), "qmp-events " + label);
    }

    /**
     * Connects to QEMU's QMP socket, waiting for it to appear and accept, reads the greeting and negotiates
     * capabilities; all of that within {@code timeout}.
     *
     * @throws QmpConnectException with a {@link QmpConnectException#reason() reason} for each way this fails
     */
    public static QmpClient connect(Path socket, Duration timeout) throws QmpException, InterruptedException {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(timeout, "timeout");
        Deadline deadline = Deadline.after(timeout);
        SocketChannel channel = UnixSocketConnector.connect(socket, deadline, timeout);
        QmpClient client = new QmpClient(socket, channel);
        boolean ready = false;
        try {
            client.reader.start();
            client.negotiate(deadline, timeout);
            ready = true;
            return client;
        } finally {
            if (!ready) {
                client.close();
            }
        }
    }

    private void negotiate(Deadline deadline, Duration timeout) throws QmpException, InterruptedException {
        JsonNode qmp = awaitGreeting(deadline, timeout);
        version = QemuVersion.fromGreeting(qmp);
        List<String> caps = new ArrayList<>();
        qmp.path("capabilities").forEach(c -> caps.add(c.asText()));
        capabilities = List.copyOf(caps);
        try {
            execute("qmp_capabilities", null, deadline.remaining());
        } catch (QmpErrorException | QmpTimeoutException | QmpClosedException e) {
            throw new QmpConnectException(
                    Reason.NEGOTIATION_FAILED,
                    "QMP capabilities negotiation on " + socket + " failed: " + e.getMessage(),
                    e);
        }
    }

    private JsonNode awaitGreeting(Deadline deadline, Duration timeout) throws QmpException, InterruptedException {
        try {
            return greeting.get(Deadline.saturatedNanos(deadline.remaining()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new QmpConnectException(
                    Reason.NO_GREETING,
                    "no QMP greeting on " + socket + " within "
                            + Deadline.describe(timeout) + " (QEMU serves one client per QMP socket: is another "
                            + "client connected?)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof QmpConnectException notQmp) {
                throw new QmpConnectException(notQmp.reason(), notQmp.getMessage(), notQmp.getCause());
            }
            throw new QmpConnectException(
                    Reason.NO_GREETING, socket + " closed the connection before sending a QMP greeting", e.getCause());
        }
    }

    public Path socket() {
        return socket;
    }

    /** The QEMU version from the greeting. */
    public QemuVersion version() {
        return version;
    }

    /** Capabilities QEMU offered in the greeting (e.g. "oob"); none are enabled. */
    public List<String> capabilities() {
        return capabilities;
    }

    public boolean isOpen() {
        return !ended.isDone();
    }

    /** Runs a command without arguments. */
    public JsonNode execute(String command, Duration timeout) throws QmpException, InterruptedException {
        return execute(command, null, timeout);
    }

    /**
     * Runs a QMP command and returns its "return" value ({@code {}} for commands that return nothing).
     *
     * @param arguments the command's arguments, converted with Jackson; null or empty for none
     * @throws QmpErrorException   QEMU answered with an error
     * @throws QmpTimeoutException no reply within {@code timeout}; a late reply is discarded
     * @throws QmpClosedException  the connection was closed or ended before the reply
     */
    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout)
            throws QmpException, InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        JsonNode reply = await(send(command, arguments), timeout);
        return replyValue(command, reply);
    }

    /**
     * Runs a command after which QEMU may exit before it answers, such as {@code quit}. QEMU hanging up is
     * success here, and so is a connection QEMU had already closed.
     *
     * @return the reply's return value, or empty if QEMU closed the connection instead of answering
     * @throws QmpClosedException only if the connection was closed on this side
     */
    public Optional<JsonNode> executeExpectingExit(String command, Map<String, ?> arguments, Duration timeout)
            throws QmpException, InterruptedException {
        try {
            return Optional.of(execute(command, arguments, timeout));
        } catch (QmpClosedException e) {
            if (e.closedByPeer()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Waits until the connection has ended, for example after {@code quit}.
     *
     * @return true if it ended within {@code timeout}
     */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        try {
            ended.get(Deadline.saturatedNanos(timeout), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        }
    }

    public QmpStatus queryStatus(Duration timeout) throws QmpException, InterruptedException {
        return QmpStatus.fromReturn(execute("query-status", timeout));
    }

    /** Presses the ACPI power button; the guest decides whether and when to shut down (SHUTDOWN event). */
    public void systemPowerdown(Duration timeout) throws QmpException, InterruptedException {
        execute("system_powerdown", timeout);
    }

    /** Pauses the vCPUs (STOP event). */
    public void stop(Duration timeout) throws QmpException, InterruptedException {
        execute("stop", timeout);
    }

    /** Resumes the vCPUs (RESUME event). */
    public void cont(Duration timeout) throws QmpException, InterruptedException {
        execute("cont", timeout);
    }

    /** Makes QEMU exit at once; returns when it answered or hung up. */
    public void quit(Duration timeout) throws QmpException, InterruptedException {
        executeExpectingExit("quit", null, timeout);
    }

    /** The raw {@code query-pci} answer: one entry per PCI bus with its devices. */
    public JsonNode queryPci(Duration timeout) throws QmpException, InterruptedException {
        return execute("query-pci", timeout);
    }

    /**
     * Calls {@code listener} for every event from now on, on the dispatcher thread, in arrival order. An
     * exception from a listener is logged and does not affect other listeners or later events.
     */
    public void addEventListener(Consumer<QmpEvent> listener) {
        events.addListener(listener);
    }

    public void removeEventListener(Consumer<QmpEvent> listener) {
        events.removeListener(listener);
    }

    /**
     * Waits until every event received so far has reached the listeners. Listeners run on their own thread, so
     * after {@link #awaitClosed} the last events (SHUTDOWN, typically) may still be on their way to them.
     *
     * @return true if they were delivered within {@code timeout}
     */
    public boolean awaitEventsDelivered(Duration timeout) throws InterruptedException {
        return events.awaitDelivered(timeout);
    }

    /** Registers a wait for the next event called {@code name}; see {@link ExpectedEvent}. */
    public ExpectedEvent expectEvent(String name) {
        return expectEvent(name, event -> true);
    }

    /** Registers a wait for the next event called {@code name} that also satisfies {@code match}. */
    public ExpectedEvent expectEvent(String name, Predicate<QmpEvent> match) {
        return events.expect(name, match);
    }

    /**
     * Waits for the next event called {@code name} that arrives after this call. For an event that a
     * command of yours causes, use {@link #expectEvent} before sending the command.
     */
    public QmpEvent awaitEvent(String name, Duration timeout) throws QmpException, InterruptedException {
        try (ExpectedEvent wait = expectEvent(name)) {
            return wait.await(timeout);
        }
    }

    /** Closes the connection; commands and waits still pending fail with {@link QmpClosedException}. */
    @Override
    public void close() {
        end(new QmpClosedException("QMP connection to " + socket + " was closed by this client", false, null));
    }

    @Override
    public String toString() {
        return "QmpClient[" + socket + (isOpen() ? "" : ", closed") + "]";
    }

    /** For tests: the reader must end when the session does. */
    Thread readerThread() {
        return reader;
    }

    // ---- sending ---------------------------------------------------------------------------------------

    private PendingCommand send(String command, Map<String, ?> arguments) throws QmpClosedException {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("QMP command name must not be blank");
        }
        ObjectNode request = MAPPER.createObjectNode().put("execute", command);
        if (arguments != null && !arguments.isEmpty()) {
            request.set("arguments", MAPPER.valueToTree(arguments));
        }
        synchronized (sendLock) {
            long id = nextId++;
            request.put("id", id);
            byte[] line = toLine(request);
            PendingCommand sent = new PendingCommand(id, command, new CompletableFuture<>());
            pending.put(id, sent);
            // Registered before reading the end state: either we see it here or end() fails this command.
            QmpClosedException cause = ended.getNow(null);
            if (cause != null) {
                pending.remove(id);
                throw closedWhile("sending '" + command + "'", cause);
            }
            try {
                writer.execute(() -> write(line));
            } catch (RejectedExecutionException shutDown) {
                pending.remove(id);
                throw closedWhile("sending '" + command + "'", ended.join());
            }
            return sent;
        }
    }

    private static byte[] toLine(ObjectNode request) {
        try {
            // Jackson escapes control characters inside strings, so the request stays on one line.
            byte[] json = MAPPER.writeValueAsBytes(request);
            byte[] line = new byte[json.length + 1];
            System.arraycopy(json, 0, line, 0, json.length);
            line[json.length] = '\n';
            return line;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("QMP arguments cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    private void write(byte[] line) {
        ByteBuffer buffer = ByteBuffer.wrap(line);
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            // Usually EPIPE: QEMU has gone. If we closed the channel ourselves, end() already ran.
            end(new QmpClosedException(
                    "QMP connection to " + socket + " failed while writing: " + e.getMessage(), true, e));
        }
    }

    private JsonNode await(PendingCommand sent, Duration timeout) throws QmpException, InterruptedException {
        String command = sent.command();
        try {
            return sent.reply().get(Deadline.saturatedNanos(timeout), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new QmpTimeoutException(
                    "no reply to QMP command '" + command + "' from " + socket + " within "
                            + Deadline.describe(timeout),
                    timeout);
        } catch (ExecutionException e) {
            throw closedWhile("waiting for the reply to '" + command + "'", (QmpClosedException) e.getCause());
        } finally {
            pending.remove(sent.id());
        }
    }

    private static JsonNode replyValue(String command, JsonNode reply) throws QmpErrorException {
        JsonNode error = reply.get("error");
        if (error != null) {
            throw new QmpErrorException(
                    command,
                    error.path("class").asText("GenericError"),
                    error.path("desc").asText(""));
        }
        return reply.get("return");
    }

    private static QmpClosedException closedWhile(String activity, QmpClosedException cause) {
        return new QmpClosedException(cause.getMessage() + " (while " + activity + ")", cause.closedByPeer(), cause);
    }

    // ---- receiving -------------------------------------------------------------------------------------

    private void readLoop() {
        LineFramer framer = new LineFramer(MAX_LINE_BYTES);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (true) {
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    String cutOff = framer.pendingBytes() > 0
                            ? " (" + framer.pendingBytes() + " bytes after the last newline were discarded)"
                            : "";
                    end(new QmpClosedException("QEMU closed the QMP connection on " + socket + cutOff, true, null));
                    return;
                }
                buffer.flip();
                for (byte[] line : framer.feed(buffer)) {
                    handle(line);
                }
            }
        } catch (ClosedChannelException closedHere) {
            // close() closed the channel under us; it has already recorded why.
            end(new QmpClosedException("QMP connection to " + socket + " was closed by this client", false, null));
        } catch (QmpException protocol) {
            end(new QmpClosedException(
                    "QMP connection to " + socket + " dropped: " + protocol.getMessage(), false, protocol));
        } catch (IOException | RuntimeException e) {
            end(new QmpClosedException(
                    "QMP connection to " + socket + " failed while reading: " + e.getMessage(),
                    e instanceof IOException,
                    e));
        }
    }

    private void handle(byte[] line) throws QmpException {
        if (isBlank(line)) {
            return;
        }
        if (!greeting.isDone()) {
            JsonNode message = parse(line);
            if (message != null && message.path("QMP").isObject()) {
                greeting.complete(message.get("QMP"));
                return;
            }
            QmpConnectException notQmp = new QmpConnectException(
                    Reason.NOT_QMP, socket + " is not a QMP socket: its first message was " + preview(line));
            greeting.completeExceptionally(notQmp);
            throw notQmp;
        }
        Object m = classify(line, Instant.now());
        if (m instanceof QmpEvent e) {
            events.publish(e);
        } else if (m instanceof JsonNode message && (message.has("return") || message.has("error"))) {
            onReply(message);
        } else if (m != null) {
            LOG.log(System.Logger.Level.DEBUG, () -> "ignoring unknown QMP message from " + socket + ": " + m);
        }
    }

    /**
     * A line after the greeting, parsed as the reader thread dispatches it: null when blank, a {@link QmpEvent}, or
     * the message object (a reply or something unknown). Anything that is not a JSON object is a QmpException.
     */
    static Object classify(byte[] line, Instant receivedAt) throws QmpException {
        if (isBlank(line)) {
            return null;
        }
        JsonNode message = parse(line);
        if (message == null || !message.isObject()) {
            throw new QmpException("QEMU sent something that is not a JSON object: " + preview(line));
        }
        return message.has("event") ? QmpEvent.fromMessage(message, receivedAt) : message;
    }

    /**
     * QEMU echoes our id. A reply without one means QEMU could not read the request far enough to find
     * the id; QEMU handles requests in order, so it belongs to the oldest command still waiting.
     */
    private void onReply(JsonNode reply) {
        JsonNode id = reply.get("id");
        PendingCommand command;
        if (id == null) {
            Map.Entry<Long, PendingCommand> oldest = pending.pollFirstEntry();
            command = oldest == null ? null : oldest.getValue();
        } else {
            command = id.canConvertToLong() && id.isIntegralNumber() ? pending.remove(id.asLong()) : null;
        }
        if (command == null) {
            // Most often the answer to a command whose caller already timed out.
            LOG.log(System.Logger.Level.DEBUG, () -> "dropping QMP reply nobody waits for: " + reply);
            return;
        }
        command.reply().complete(reply);
    }

    // ---- ending ----------------------------------------------------------------------------------------

    /** Ends the session once: closes the socket and fails everything still waiting with {@code cause}. */
    private void end(QmpClosedException cause) {
        if (!ended.complete(cause)) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing QMP socket " + socket + " failed", e);
        }
        greeting.completeExceptionally(cause);
        for (Long id : pending.keySet()) {
            PendingCommand command = pending.remove(id);
            if (command != null) {
                command.reply().completeExceptionally(cause);
            }
        }
        events.end(cause);
        writer.shutdown();
    }

    /** Null for anything that is not JSON: the caller decides whether that is fatal. */
    private static JsonNode parse(byte[] line) {
        try {
            return MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static String preview(byte[] line) {
        String text = new String(line, StandardCharsets.UTF_8);
        if (text.length() > 80) {
            text = text.substring(0, 80) + "...";
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                quoted.append(String.format(java.util.Locale.ROOT, "\\x%02x", (int) c));
            } else {
                quoted.append(c == '"' || c == '\\' ? "\\" + c : String.valueOf(c));
            }
        }
        return quoted.append('"').toString();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
