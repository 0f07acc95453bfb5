package dev.vmlaunch.supervise;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.qmp.QmpEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code events.jsonl}: one JSON object a line, {@code {"ts", "event", "source", "data"}}. {@code source} is
 * {@code qmp} for QEMU's events (with QEMU's own timestamp) and {@code vmlaunch} for the supervisor's lifecycle
 * records ({@code VMLAUNCH_STARTED}, {@code VMLAUNCH_READY}, {@code VMLAUNCH_EXITED}, ...). Appends are whole lines
 * in one write, so readers never see half a record except at the very end while it is written. At
 * {@link LogRotation#CAP} the file moves to {@code events.jsonl.1} (replacing the one before) and starts anew.
 */
public final class EventLog {
    private static final ObjectMapper JSON = JsonMappers.mapper();

    public record Entry(String ts, String event, String source, JsonNode data) {
        /** {@code 2025-01-01T10:00:00.123Z SHUTDOWN {"guest":true,...}} */
        public String format() {
            String d = data == null || data.isEmpty() ? "" : " " + data;
            return ts + " " + event + d;
        }
    }

    private final Path file;
    private final long cap;

    public EventLog(Path file) {
        this(file, LogRotation.CAP);
    }

    /** @param cap the size at which the log moves to {@code events.jsonl.1} and starts anew */
    public EventLog(Path file, long cap) {
        this.file = file;
        this.cap = cap;
    }

    public void qmp(QmpEvent e) {
        append(e.timestamp(), e.name(), "qmp", e.data());
    }

    public void vmlaunch(String event, Map<String, ?> data) {
        append(Instant.now(), event, "vmlaunch", JSON.valueToTree(data));
    }

    /** Appends one record; failures are swallowed (the event log must never take the supervisor down). */
    public synchronized void append(Instant ts, String event, String source, JsonNode data) {
        ObjectNode line = JSON.createObjectNode()
                .put("ts", ts.toString())
                .put("event", event)
                .put("source", source);
        line.set("data", data == null ? JsonNodeFactory.instance.objectNode() : data);
        try {
            // Before the write, so that a record is never split between the two files.
            LogRotation.renameIfOver(file, cap);
        } catch (IOException e) {
            // Not rotated this time; the next append tries again.
        }
        try (FileChannel ch = FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.APPEND,
                java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } catch (IOException e) {
            // A full disk loses events, not the guest.
        }
    }

    /**
     * Every readable record, those rotated to {@code events.jsonl.1} first; lines that are not records (a torn last
     * line) are skipped.
     */
    public static List<Entry> read(Path file) {
        List<Entry> out = new ArrayList<>();
        for (Path f : List.of(LogRotation.rotated(file), file)) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                continue;
            }
            for (String l : lines) {
                parseLine(l).ifPresent(out::add);
            }
        }
        return out;
    }

    public static List<Entry> tail(Path file, int n) {
        List<Entry> all = read(file);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    public static java.util.Optional<Entry> parseLine(String line) {
        if (line.isBlank()) {
            return java.util.Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(line);
            if (n == null || !n.isObject() || !n.path("event").isTextual()) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new Entry(
                    n.path("ts").asText(""),
                    n.path("event").asText(),
                    n.path("source").asText(""),
                    n.path("data")));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }
}
