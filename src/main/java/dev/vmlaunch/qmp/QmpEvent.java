package dev.vmlaunch.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.Objects;

/**
 * An asynchronous QMP event such as SHUTDOWN, STOP, RESUME, RESET, GUEST_PANICKED or DEVICE_DELETED.
 *
 * @param name      the event name as QEMU spells it
 * @param data      the event's "data" member; an empty object when QEMU sent none, never null
 * @param timestamp when QEMU emitted it (QMP seconds + microseconds, host wall clock)
 */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {

    public QmpEvent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(timestamp, "timestamp");
        data = data == null || data.isMissingNode() || data.isNull() ? JsonNodeFactory.instance.objectNode() : data;
    }

    /**
     * Reads an event message. A missing or malformed timestamp becomes {@code receivedAt}: the time matters
     * less than delivering the event.
     */
    static QmpEvent fromMessage(JsonNode message, Instant receivedAt) {
        JsonNode ts = message.path("timestamp");
        Instant when = receivedAt;
        if (ts.path("seconds").canConvertToLong() && ts.path("microseconds").canConvertToLong()) {
            long seconds = ts.path("seconds").asLong();
            long micros = ts.path("microseconds").asLong();
            // A timestamp past Instant.MAX threw from the reader thread and dropped the session (found by fuzzing).
            if (seconds >= 0 && seconds <= Instant.MAX.getEpochSecond() && micros >= 0 && micros < 1_000_000) {
                when = Instant.ofEpochSecond(seconds, micros * 1_000);
            }
        }
        return new QmpEvent(message.path("event").asText(), message.get("data"), when);
    }
}
