package dev.vmlaunch.qmp;

/** {@link QmpClient#connect} did not end with a negotiated QMP session; {@link #reason()} says at which step. */
public final class QmpConnectException extends QmpException {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** Nothing existed at the socket path before the timeout. */
        SOCKET_MISSING,
        /** The path is longer than a unix socket address can hold (107 bytes on Linux). */
        PATH_TOO_LONG,
        /** The path exists but is a regular file or a directory, so it can never become a socket. */
        NOT_A_SOCKET,
        /** The socket exists but nobody accepted connections before the timeout (stale socket file). */
        REFUSED,
        /** Connected, but no complete greeting line arrived in time, or the peer hung up before one. */
        NO_GREETING,
        /** The first message was not a QMP greeting (not JSON, or JSON without a "QMP" object). */
        NOT_QMP,
        /** The greeting arrived but {@code qmp_capabilities} failed. */
        NEGOTIATION_FAILED
    }

    private final Reason reason;

    public QmpConnectException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public QmpConnectException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
