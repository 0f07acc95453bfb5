package dev.vmlaunch.qmp;

/**
 * The connection ended before the awaited reply or event arrived, or was already closed.
 * {@link #closedByPeer()} tells QEMU hanging up (normal after {@code quit}) from our own {@code close()}
 * or a local I/O failure.
 */
public final class QmpClosedException extends QmpException {
    private static final long serialVersionUID = 1L;

    private final boolean closedByPeer;

    public QmpClosedException(String message, boolean closedByPeer, Throwable cause) {
        super(message, cause);
        this.closedByPeer = closedByPeer;
    }

    public boolean closedByPeer() {
        return closedByPeer;
    }
}
