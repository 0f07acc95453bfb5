package dev.vmlaunch.qmp;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A wait for one event, registered before the action that causes it. QEMU often emits the event before
 * the command's reply (STOP comes before the reply to {@code stop}, SHUTDOWN before the reply to
 * {@code quit}), so a wait that starts after the command returns could miss it.
 *
 * <pre>{@code
 * try (ExpectedEvent shutdown = qmp.expectEvent("SHUTDOWN")) {
 *     qmp.systemPowerdown(Duration.ofSeconds(5));
 *     shutdown.await(Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class ExpectedEvent implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ExpectedEvent.class.getName());

    private final String source;
    private final String name;
    private final Predicate<QmpEvent> match;
    private final Consumer<ExpectedEvent> unregister;
    private final CompletableFuture<QmpEvent> result = new CompletableFuture<>();

    ExpectedEvent(String source, String name, Predicate<QmpEvent> match, Consumer<ExpectedEvent> unregister) {
        this.source = source;
        this.name = name;
        this.match = match;
        this.unregister = unregister;
    }

    public String name() {
        return name;
    }

    /**
     * Returns the first matching event received since this wait was registered, waiting up to
     * {@code timeout} for it. A matching event that arrived before the connection closed is still returned.
     *
     * @throws QmpTimeoutException if no matching event arrived in time
     * @throws QmpClosedException  if the connection ended first
     */
    public QmpEvent await(Duration timeout) throws QmpException, InterruptedException {
        try {
            return result.get(Deadline.saturatedNanos(timeout), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new QmpTimeoutException(
                    "no QMP event " + name + " from " + source + " within " + Deadline.describe(timeout), timeout);
        } catch (ExecutionException e) {
            QmpClosedException closed = (QmpClosedException) e.getCause();
            throw new QmpClosedException(
                    "QMP connection ended before event " + name + " arrived: " + closed.getMessage(),
                    closed.closedByPeer(),
                    closed);
        }
    }

    /** Stops watching; an event already matched stays available to {@link #await}. */
    @Override
    public void close() {
        unregister.accept(this);
    }

    /** Called on the reader thread for each event; true once this wait is satisfied. */
    boolean offer(QmpEvent event) {
        if (!result.isDone() && name.equals(event.name()) && matches(event)) {
            result.complete(event);
        }
        return result.isDone();
    }

    /** A faulty predicate must not take the reader thread down with it; it just never matches. */
    private boolean matches(QmpEvent event) {
        try {
            return match.test(event);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "predicate for QMP event " + name + " threw; treating as no match", e);
            return false;
        }
    }

    void fail(QmpClosedException cause) {
        result.completeExceptionally(cause);
    }
}
