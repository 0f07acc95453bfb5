package dev.vmlaunch.qmp;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Hands events from the reader thread to listeners and {@link ExpectedEvent}s. Expected events are
 * matched on the reader thread, so a wait is satisfied before the reader looks at the next message (the
 * reply that follows STOP, say). Listeners run on one dispatcher thread, in arrival order, so a slow or
 * blocking listener cannot hold up replies and a listener may run commands itself.
 */
final class EventHub {
    private static final System.Logger LOG = System.getLogger(EventHub.class.getName());

    private final String source;
    private final ExecutorService dispatcher;
    private final CopyOnWriteArrayList<Consumer<QmpEvent>> listeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<ExpectedEvent> expected = new CopyOnWriteArrayList<>();
    private volatile QmpClosedException ended;

    EventHub(String source, String threadName) {
        this.source = source;
        this.dispatcher = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    void addListener(Consumer<QmpEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removeListener(Consumer<QmpEvent> listener) {
        listeners.remove(listener);
    }

    ExpectedEvent expect(String name, Predicate<QmpEvent> match) {
        ExpectedEvent wait = new ExpectedEvent(
                source, Objects.requireNonNull(name, "name"), Objects.requireNonNull(match, "match"), expected::remove);
        expected.add(wait);
        // Added before reading the end state: either we see it here or end() sees the wait.
        QmpClosedException cause = ended;
        if (cause != null) {
            wait.fail(cause);
        }
        return wait;
    }

    /** Called on the reader thread. */
    void publish(QmpEvent event) {
        for (ExpectedEvent wait : expected) {
            if (wait.offer(event)) {
                expected.remove(wait);
            }
        }
        List<Consumer<QmpEvent>> current = List.copyOf(listeners);
        if (current.isEmpty()) {
            return;
        }
        try {
            dispatcher.execute(() -> current.forEach(listener -> deliver(listener, event)));
        } catch (RejectedExecutionException ending) {
            LOG.log(System.Logger.Level.DEBUG, () -> "QMP session ending; not delivering " + event.name());
        }
    }

    /**
     * Waits until every event published so far has reached the listeners (they run on the dispatcher thread).
     *
     * @return true if they were delivered within {@code timeout}
     */
    boolean awaitDelivered(java.time.Duration timeout) throws InterruptedException {
        java.util.concurrent.CompletableFuture<Void> marker = new java.util.concurrent.CompletableFuture<>();
        try {
            dispatcher.execute(() -> marker.complete(null));
        } catch (RejectedExecutionException ended) {
            // The session ended: the dispatcher finishes what it has queued, then stops.
            return dispatcher.awaitTermination(
                    Deadline.saturatedNanos(timeout), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        try {
            marker.get(Deadline.saturatedNanos(timeout), java.util.concurrent.TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        }
    }

    /** Fails waits still open; events already queued for listeners are still delivered. */
    void end(QmpClosedException cause) {
        ended = cause;
        for (ExpectedEvent wait : expected) {
            wait.fail(cause);
        }
        expected.clear();
        dispatcher.shutdown();
    }

    private static void deliver(Consumer<QmpEvent> listener, QmpEvent event) {
        try {
            listener.accept(event);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            LOG.log(System.Logger.Level.WARNING, "QMP event listener failed on " + event.name(), e);
        }
    }
}
