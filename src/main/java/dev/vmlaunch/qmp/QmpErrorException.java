package dev.vmlaunch.qmp;

/**
 * QEMU answered a command with {@code {"error": {"class": ..., "desc": ...}}}. The class is QEMU's
 * machine-readable category (GenericError, CommandNotFound, DeviceNotFound, DeviceNotActive, KVMMissingCap);
 * the description is for people.
 */
public final class QmpErrorException extends QmpException {
    private static final long serialVersionUID = 1L;

    private final String command;
    private final String errorClass;
    private final String description;

    public QmpErrorException(String command, String errorClass, String description) {
        super("QMP command '" + command + "' failed: " + errorClass + ": " + description);
        this.command = command;
        this.errorClass = errorClass;
        this.description = description;
    }

    public String command() {
        return command;
    }

    public String errorClass() {
        return errorClass;
    }

    public String description() {
        return description;
    }
}
