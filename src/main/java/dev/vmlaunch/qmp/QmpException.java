package dev.vmlaunch.qmp;

import java.io.IOException;

/**
 * Something went wrong talking to a QMP peer. Checked, because every QMP call crosses a process
 * boundary that can fail, and callers (supervisor, CLI) must decide what a failure means for the guest.
 */
public class QmpException extends IOException {
    private static final long serialVersionUID = 1L;

    public QmpException(String message) {
        super(message);
    }

    public QmpException(String message, Throwable cause) {
        super(message, cause);
    }
}
