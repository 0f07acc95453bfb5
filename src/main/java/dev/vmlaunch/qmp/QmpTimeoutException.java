package dev.vmlaunch.qmp;

import java.time.Duration;

/** A reply or an event did not arrive within its bound. The connection stays usable. */
public final class QmpTimeoutException extends QmpException {
    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    public QmpTimeoutException(String message, Duration timeout) {
        super(message);
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
