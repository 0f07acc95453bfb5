package dev.vmlaunch.supervise;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.state.AtomicWrite;
import dev.vmlaunch.state.JsonRecords;
import dev.vmlaunch.state.RecordFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and atomically replaces {@code hotplug.json} ({@link AttachedDevices}), on jackson-core's streaming API
 * ({@link JsonRecords}; {@code list} reads it for every live guest): the bytes databind wrote, read as databind read
 * them, from a file read as {@link RecordFiles} reads one (no symlink, no FIFO, a cap).
 */
public final class AttachedDevicesFile {
    /** Sixteen slots of records are a few KiB; anything far larger was not written by vmlaunch. */
    static final int MAX_BYTES = 256 * 1024;

    private AttachedDevicesFile() {}

    /** The record; {@link AttachedDevices#NONE} when there is none. */
    public static AttachedDevices read(GuestDir dir) {
        Path file = dir.hotplugFile();
        try {
            AttachedDevices a = parse(RecordFiles.read(file, MAX_BYTES));
            return a == null ? AttachedDevices.NONE : a;
        } catch (NoSuchFileException e) {
            return AttachedDevices.NONE;
        } catch (RecordFiles.RefusedException e) {
            throw VmlaunchException.failure(file + " " + e.getMessage() + ": not vmlaunch's; remove it");
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The record, or none when it cannot be read (for list and status, which never fail on a bad file). */
    public static AttachedDevices readQuietly(GuestDir dir) {
        try {
            return read(dir);
        } catch (VmlaunchException e) {
            return AttachedDevices.NONE;
        }
    }

    public static void write(GuestDir dir, AttachedDevices devices) {
        try {
            AtomicWrite.replace(dir.hotplugFile(), render(devices));
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot write " + dir.hotplugFile() + ": " + e.getMessage());
        }
    }

    /** The record on one line, as databind wrote it (null members left out). */
    static byte[] render(AttachedDevices devices) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JsonRecords.generator(out, false)) {
            g.writeStartObject();
            g.writeNumberField("version", devices.version());
            g.writeArrayFieldStart("attached");
            for (AttachedDevices.Attached a : devices.attached()) {
                g.writeStartObject();
                JsonRecords.stringIfSet(g, "host", a.host());
                JsonRecords.stringIfSet(g, "id", a.id());
                JsonRecords.stringIfSet(g, "slot", a.slot());
                g.writeBooleanField("managed", a.managed());
                JsonRecords.stringIfSet(g, "request", a.request());
                JsonRecords.stringIfSet(g, "at", a.at());
                JsonRecords.booleanIfSet(g, "unplugRequested", a.unplugRequested());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** The record in {@code bytes}; null for JSON null, as databind read it. */
    static AttachedDevices parse(byte[] bytes) throws IOException {
        try (JsonParser p = JsonRecords.parser(bytes)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new JsonRecords.ShapeException("holds no JSON value");
            }
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            Fields f = new Fields();
            JsonRecords.members(p, "$", f);
            return new AttachedDevices(f.version, f.attached);
        }
    }

    private static final class Fields implements JsonRecords.Member {
        int version;
        List<AttachedDevices.Attached> attached;

        @Override
        public boolean read(String member, JsonParser p) throws IOException {
            switch (member) {
                case "version" -> version = JsonRecords.intValue(p, member);
                case "attached" -> attached = attached(p, member);
                default -> {
                    return false;
                }
            }
            return true;
        }

        private static List<AttachedDevices.Attached> attached(JsonParser p, String path) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw new JsonRecords.ShapeException("'" + path + "' must be an array of objects");
            }
            List<AttachedDevices.Attached> out = new ArrayList<>();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                One one = new One(path + "[" + out.size() + "]");
                JsonRecords.members(p, one.path, one);
                out.add(new AttachedDevices.Attached(
                        one.host, one.id, one.slot, one.managed, one.request, one.at, one.unplugRequested));
            }
            return out;
        }
    }

    private static final class One implements JsonRecords.Member {
        final String path;
        String host;
        String id;
        String slot;
        boolean managed;
        String request;
        String at;
        Boolean unplugRequested;

        One(String path) {
            this.path = path;
        }

        @Override
        public boolean read(String member, JsonParser p) throws IOException {
            String where = path + "." + member;
            switch (member) {
                case "host" -> host = JsonRecords.string(p, where);
                case "id" -> id = JsonRecords.string(p, where);
                case "slot" -> slot = JsonRecords.string(p, where);
                case "managed" -> managed = JsonRecords.boolValue(p, where);
                case "request" -> request = JsonRecords.string(p, where);
                case "at" -> at = JsonRecords.string(p, where);
                case "unplugRequested" -> unplugRequested = JsonRecords.boolOrNull(p, where);
                default -> {
                    return false;
                }
            }
            return true;
        }
    }
}
