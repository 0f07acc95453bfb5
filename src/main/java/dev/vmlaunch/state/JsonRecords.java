package dev.vmlaunch.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading and writing the records vmlaunch keeps for itself (state.json, hotplug.json) and the JSON of the commands
 * that run most often, on jackson-core's streaming API alone: a plain {@link JsonFactory}, no ObjectMapper, so none
 * of databind's classes are loaded (databind is some 400 classes and their reflection; `list` reads a state file per
 * guest). What is written is byte for byte what {@code JsonMappers.pretty()} / {@code mapper()} wrote for the same
 * records (the default pretty printer, or compact). Reading is as lenient as those records were under databind
 * (unknown members skipped, a later duplicate wins, null or absent is null, or 0 / false for a primitive) but
 * stricter on types: a number must be a JSON integer, a string a JSON string.
 */
public final class JsonRecords {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonRecords() {}

    /** A member that is there but of the wrong type or shape; the message names it. */
    public static final class ShapeException extends IOException {
        private static final long serialVersionUID = 1L;

        public ShapeException(String message) {
            super(message);
        }
    }

    /** What reads the members of one object; the parser is at the value's first token. */
    public interface Member {
        /** Reads the value of {@code name}; false when the member is not known (it is then skipped). */
        boolean read(String name, JsonParser p) throws IOException;
    }

    /** A parser over {@code bytes} (UTF-8, or UTF-16/32 as Jackson detects them). */
    public static JsonParser parser(byte[] bytes) throws IOException {
        return FACTORY.createParser(bytes);
    }

    /**
     * A generator that writes to {@code out}: indented as Jackson's default pretty printer does when {@code pretty}
     * (files people read, {@code --json}), else on one line. Closing it flushes and closes {@code out}.
     */
    public static JsonGenerator generator(OutputStream out, boolean pretty) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(out);
        return pretty ? g.useDefaultPrettyPrinter() : g;
    }

    /**
     * An indented generator that writes to {@code out}, a writer the caller keeps (stdout, a buffer): closing the
     * generator flushes it but leaves it open, so what the caller prints after the JSON (its line end) still goes out.
     */
    public static JsonGenerator generator(Writer out) throws IOException {
        return FACTORY.createGenerator(out)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                .useDefaultPrettyPrinter();
    }

    /**
     * Reads the object the parser is at, member by member: {@code member} reads the ones it knows, the others
     * (whatever their value) are skipped.
     */
    public static void members(JsonParser p, String path, Member member) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new ShapeException(where(path) + "must be an object, not " + what(p.currentToken()));
        }
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            if (t != JsonToken.FIELD_NAME) {
                // The parser refuses an object that is never closed before it gets here; this is only a guard.
                throw new ShapeException(where(path) + "is not a complete object");
            }
            String name = p.currentName();
            p.nextToken();
            if (!member.read(name, p)) {
                p.skipChildren();
            }
        }
    }

    /** A string, or null for null. */
    public static String string(JsonParser p, String path) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new ShapeException(where(path) + "must be a string, not " + what(t));
        }
        return p.getText();
    }

    /** An integer that fits a long, or null for null. */
    public static Long longOrNull(JsonParser p, String path) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        requireInteger(p, path, false);
        return p.getLongValue();
    }

    /** An integer that fits a long; 0 for null (a primitive member). */
    public static long longValue(JsonParser p, String path) throws IOException {
        Long v = longOrNull(p, path);
        return v == null ? 0 : v;
    }

    /** An integer that fits an int, or null for null. */
    public static Integer intOrNull(JsonParser p, String path) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        requireInteger(p, path, true);
        return p.getIntValue();
    }

    /** An integer that fits an int; 0 for null (a primitive member). */
    public static int intValue(JsonParser p, String path) throws IOException {
        Integer v = intOrNull(p, path);
        return v == null ? 0 : v;
    }

    /** true or false, or null for null. */
    public static Boolean boolOrNull(JsonParser p, String path) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw new ShapeException(where(path) + "must be true or false, not " + what(t));
        }
        return t == JsonToken.VALUE_TRUE;
    }

    /** true or false; false for null (a primitive member). */
    public static boolean boolValue(JsonParser p, String path) throws IOException {
        return Boolean.TRUE.equals(boolOrNull(p, path));
    }

    /** An array of strings (none of them null), or null for null. */
    public static List<String> strings(JsonParser p, String path) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_ARRAY) {
            throw new ShapeException(where(path) + "must be an array of strings, not " + what(t));
        }
        List<String> out = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            if (e != JsonToken.VALUE_STRING) {
                throw new ShapeException(where(path + "[" + out.size() + "]") + "must be a string, not " + what(e));
            }
            out.add(p.getText());
        }
        return out;
    }

    /** Writes {@code name} with {@code value} unless it is null (databind's {@code NON_NULL}). */
    public static void stringIfSet(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    public static void numberIfSet(JsonGenerator g, String name, Long value) throws IOException {
        if (value != null) {
            g.writeNumberField(name, value.longValue());
        }
    }

    public static void numberIfSet(JsonGenerator g, String name, Integer value) throws IOException {
        if (value != null) {
            g.writeNumberField(name, value.intValue());
        }
    }

    /** Writes {@code name} with {@code value}, or with null. */
    public static void numberOrNull(JsonGenerator g, String name, Long value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, value.longValue());
        }
    }

    public static void booleanIfSet(JsonGenerator g, String name, Boolean value) throws IOException {
        if (value != null) {
            g.writeBooleanField(name, value.booleanValue());
        }
    }

    /** Writes {@code name} with the strings as an array. */
    public static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void requireInteger(JsonParser p, String path, boolean asInt) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new ShapeException(where(path) + "must be an integer, not " + what(p.currentToken()));
        }
        JsonParser.NumberType n = p.getNumberType();
        if (n == JsonParser.NumberType.BIG_INTEGER || (asInt && n != JsonParser.NumberType.INT)) {
            throw new ShapeException(where(path) + "is out of range (" + (asInt ? "32" : "64") + "-bit integer)");
        }
    }

    private static String where(String path) {
        return "'" + path + "' ";
    }

    /** A token as a person says it. */
    private static String what(JsonToken t) {
        if (t == null) {
            return "the end of the file";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a fraction";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }
}
