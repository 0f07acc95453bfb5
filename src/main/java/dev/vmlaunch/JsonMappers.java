package dev.vmlaunch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one Jackson mapper vmlaunch reads and writes JSON with (state files, reports, QMP, {@code --json} output).
 * A configured {@link ObjectMapper} is thread-safe and costly to build, so there is one, made on first use: the
 * commands that print text never pay for it. Records vmlaunch wrote itself are read leniently (an unknown member is
 * one a newer vmlaunch added, not an error); guest.json has its own strict loader and does not come here.
 */
public final class JsonMappers {
    private JsonMappers() {}

    private static final class Holder {
        static final ObjectMapper MAPPER =
                new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
    }

    /** Reads and writes compact JSON (one line: QMP commands, event logs). */
    public static ObjectMapper mapper() {
        return Holder.MAPPER;
    }

    /** Writes indented JSON: files people read, {@code --json} output. */
    public static ObjectWriter pretty() {
        return Holder.PRETTY;
    }

    /** An empty object to build a document in (no mapper needed for that). */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }
}
