package dev.vmlaunch.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON file into a {@link Json} tree with locations. Strict: one top-level value, no duplicate
 * keys, no comments, no trailing garbage. Every failure is a {@link ConfigException} naming file:line:col.
 */
public final class JsonReader {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    private final String displayName;

    /** The largest config file read; real ones are a few KiB. */
    static final long MAX_BYTES = 1 << 20;

    private JsonReader(String displayName) {
        this.displayName = displayName;
    }

    /** Reads {@code file}; {@code displayName} is how errors name it (the path as the user typed it). */
    public static Json read(Path file, String displayName) {
        String text;
        try {
            // A guest file named in a harness can be anything: never read a FIFO, a device or a huge file whole.
            java.nio.file.attribute.BasicFileAttributes a =
                    Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                throw error(displayName, 0, 0, "", "not a regular file (expected a JSON file)");
            }
            if (a.size() > MAX_BYTES) {
                throw error(displayName, 0, 0, "", "larger than " + (MAX_BYTES >> 20) + " MiB (expected a JSON file)");
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw error(displayName, 0, 0, "", "no such file");
        } catch (MalformedInputException e) {
            throw error(displayName, 0, 0, "", "not UTF-8 text");
        } catch (IOException e) {
            throw error(displayName, 0, 0, "", "cannot read: " + e.getMessage());
        }
        return parse(text, displayName);
    }

    public static Json parse(String text, String displayName) {
        if (text.isBlank()) {
            throw error(displayName, 0, 0, "", "the file is empty (expected a JSON object)");
        }
        JsonReader r = new JsonReader(displayName);
        try (JsonParser p = FACTORY.createParser(text)) {
            p.enable(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION);
            JsonToken t = p.nextToken();
            Json root = r.value(p, t, "$");
            JsonToken extra = p.nextToken();
            if (extra != null) {
                JsonLocation l = p.currentTokenLocation();
                throw error(
                        displayName,
                        l.getLineNr(),
                        l.getColumnNr(),
                        "",
                        "unexpected content after the top-level value (one JSON value per file)");
            }
            return root;
        } catch (StreamConstraintsException e) {
            JsonLocation l = e.getLocation();
            throw error(
                    displayName,
                    l == null ? 0 : l.getLineNr(),
                    l == null ? 0 : l.getColumnNr(),
                    "",
                    "JSON nested too deeply");
        } catch (JsonParseException e) {
            JsonLocation l = e.getLocation();
            throw error(
                    displayName,
                    l == null ? 0 : l.getLineNr(),
                    l == null ? 0 : l.getColumnNr(),
                    "",
                    "JSON syntax error: "
                            + e.getOriginalMessage()
                                    .lines()
                                    .findFirst()
                                    .orElse("")
                                    .trim());
        } catch (IOException e) {
            throw error(displayName, 0, 0, "", "cannot parse: " + e.getMessage());
        }
    }

    private Json value(JsonParser p, JsonToken t, String path) throws IOException {
        Json.Location at = loc(p.currentTokenLocation());
        if (t == null) {
            throw error(displayName, at.line(), at.column(), path, "unexpected end of file");
        }
        switch (t) {
            case START_OBJECT -> {
                Map<String, Json.Member> members = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    if (k == null) {
                        throw error(displayName, at.line(), at.column(), path, "object is never closed");
                    }
                    String key = p.currentName();
                    Json.Location keyAt = loc(p.currentTokenLocation());
                    String childPath = JsonPath.member(path, key);
                    if (members.containsKey(key)) {
                        Json.Location first = members.get(key).keyAt();
                        throw error(
                                displayName,
                                keyAt.line(),
                                keyAt.column(),
                                childPath,
                                "duplicate key \"" + key + "\" (first at line " + first.line() + ")");
                    }
                    Json v = value(p, p.nextToken(), childPath);
                    members.put(key, new Json.Member(keyAt, v));
                }
                return new Json.Obj(at, members);
            }
            case START_ARRAY -> {
                List<Json> items = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    if (e == null) {
                        throw error(displayName, at.line(), at.column(), path, "array is never closed");
                    }
                    items.add(value(p, e, path + "[" + items.size() + "]"));
                }
                return new Json.Arr(at, items);
            }
            case VALUE_STRING -> {
                return new Json.Str(at, p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return new Json.Num(at, new java.math.BigDecimal(p.getBigIntegerValue()), true);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new Json.Num(at, p.getDecimalValue(), false);
            }
            case VALUE_TRUE -> {
                return new Json.Bool(at, true);
            }
            case VALUE_FALSE -> {
                return new Json.Bool(at, false);
            }
            case VALUE_NULL -> {
                return new Json.Null(at);
            }
            default -> throw error(displayName, at.line(), at.column(), path, "unexpected " + t);
        }
    }

    private static Json.Location loc(JsonLocation l) {
        return new Json.Location(l.getLineNr(), l.getColumnNr());
    }

    static ConfigException error(String file, int line, int col, String path, String message) {
        return new ConfigException(List.of(new ConfigError(file, line, col, path, message, false)));
    }
}
