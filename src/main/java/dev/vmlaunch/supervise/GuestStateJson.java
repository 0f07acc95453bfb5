package dev.vmlaunch.supervise;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.state.JsonRecords;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * {@link GuestState} as the JSON of {@code state.json}, on jackson-core's streaming API ({@link JsonRecords}): the
 * members in the record's order, null ones left out, indented by the default pretty printer — what databind wrote
 * for the record, byte for byte (GuestStateJsonTest compares them), so files of either read the same.
 */
public final class GuestStateJson {
    private GuestStateJson() {}

    static byte[] write(GuestState s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JsonRecords.generator(out, true)) {
            write(g, s);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, GuestState s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("version", s.version());
        JsonRecords.stringIfSet(g, "name", s.name());
        JsonRecords.stringIfSet(g, "vmm", s.vmm());
        JsonRecords.stringIfSet(g, "binary", s.binary());
        JsonRecords.stringIfSet(g, "bootId", s.bootId());
        JsonRecords.numberIfSet(g, "pid", s.pid());
        JsonRecords.numberIfSet(g, "pidStart", s.pidStart());
        g.writeNumberField("supervisorPid", s.supervisorPid());
        g.writeNumberField("supervisorStart", s.supervisorStart());
        g.writeBooleanField("foreground", s.foreground());
        JsonRecords.stringIfSet(g, "state", s.state());
        JsonRecords.stringIfSet(g, "since", s.since());
        JsonRecords.stringIfSet(g, "startedAt", s.startedAt());
        JsonRecords.strings(g, "devices", s.devices());
        JsonRecords.strings(g, "managedDevices", s.managedDevices());
        JsonRecords.booleanIfSet(g, "devicesRestored", s.devicesRestored());
        JsonRecords.stringIfSet(g, "restoreError", s.restoreError());
        JsonRecords.stringIfSet(g, "qmpCliSocket", s.qmpCliSocket());
        JsonRecords.stringIfSet(g, "consoleSocket", s.consoleSocket());
        JsonRecords.stringIfSet(g, "lkvmSocket", s.lkvmSocket());
        if (s.exit() != null) {
            g.writeFieldName("exit");
            writeExit(g, s.exit());
        }
        JsonRecords.stringIfSet(g, "stopConsoleCommand", s.stopConsoleCommand());
        g.writeEndObject();
    }

    /** An {@link ExitRecord} as an object, null members left out (state.json, {@code list --json}). */
    public static void writeExit(JsonGenerator g, ExitRecord e) throws IOException {
        g.writeStartObject();
        JsonRecords.stringIfSet(g, "how", e.how());
        JsonRecords.numberIfSet(g, "status", e.status());
        JsonRecords.numberIfSet(g, "signal", e.signal());
        JsonRecords.stringIfSet(g, "detail", e.detail());
        JsonRecords.stringIfSet(g, "at", e.at());
        g.writeEndObject();
    }

    /**
     * The state in {@code bytes}; null when the document is JSON {@code null}. Anything after the top-level value
     * is not read (databind did not either). A syntax error is Jackson's {@code JsonProcessingException}, a member
     * of the wrong type a {@link JsonRecords.ShapeException}.
     */
    static GuestState read(byte[] bytes) throws IOException {
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
            return f.state();
        }
    }

    /** The members read so far; absent ones stay null (or 0 / false, as databind left a primitive). */
    private static final class Fields implements JsonRecords.Member {
        int version;
        String name;
        String vmm;
        String binary;
        String bootId;
        Long pid;
        Long pidStart;
        long supervisorPid;
        long supervisorStart;
        boolean foreground;
        String state;
        String since;
        String startedAt;
        List<String> devices;
        List<String> managedDevices;
        Boolean devicesRestored;
        String restoreError;
        String qmpCliSocket;
        String consoleSocket;
        String lkvmSocket;
        ExitRecord exit;
        String stopConsoleCommand;

        @Override
        public boolean read(String member, JsonParser p) throws IOException {
            switch (member) {
                case "version" -> version = JsonRecords.intValue(p, member);
                case "name" -> name = JsonRecords.string(p, member);
                case "vmm" -> vmm = JsonRecords.string(p, member);
                case "binary" -> binary = JsonRecords.string(p, member);
                case "bootId" -> bootId = JsonRecords.string(p, member);
                case "pid" -> pid = JsonRecords.longOrNull(p, member);
                case "pidStart" -> pidStart = JsonRecords.longOrNull(p, member);
                case "supervisorPid" -> supervisorPid = JsonRecords.longValue(p, member);
                case "supervisorStart" -> supervisorStart = JsonRecords.longValue(p, member);
                case "foreground" -> foreground = JsonRecords.boolValue(p, member);
                case "state" -> state = JsonRecords.string(p, member);
                case "since" -> since = JsonRecords.string(p, member);
                case "startedAt" -> startedAt = JsonRecords.string(p, member);
                case "devices" -> devices = JsonRecords.strings(p, member);
                case "managedDevices" -> managedDevices = JsonRecords.strings(p, member);
                case "devicesRestored" -> devicesRestored = JsonRecords.boolOrNull(p, member);
                case "restoreError" -> restoreError = JsonRecords.string(p, member);
                case "qmpCliSocket" -> qmpCliSocket = JsonRecords.string(p, member);
                case "consoleSocket" -> consoleSocket = JsonRecords.string(p, member);
                case "lkvmSocket" -> lkvmSocket = JsonRecords.string(p, member);
                case "exit" -> exit = readExit(p, member);
                case "stopConsoleCommand" -> stopConsoleCommand = JsonRecords.string(p, member);
                default -> {
                    return false;
                }
            }
            return true;
        }

        GuestState state() {
            return new GuestState(
                    version,
                    name,
                    vmm,
                    binary,
                    bootId,
                    pid,
                    pidStart,
                    supervisorPid,
                    supervisorStart,
                    foreground,
                    state,
                    since,
                    startedAt,
                    devices,
                    managedDevices,
                    devicesRestored,
                    restoreError,
                    qmpCliSocket,
                    consoleSocket,
                    lkvmSocket,
                    exit,
                    stopConsoleCommand);
        }
    }

    /** An {@link ExitRecord}, or null for null. */
    static ExitRecord readExit(JsonParser p, String path) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        ExitFields f = new ExitFields(path);
        JsonRecords.members(p, path, f);
        return new ExitRecord(f.how, f.status, f.signal, f.detail, f.at);
    }

    private static final class ExitFields implements JsonRecords.Member {
        final String path;
        String how;
        Integer status;
        Integer signal;
        String detail;
        String at;

        ExitFields(String path) {
            this.path = path;
        }

        @Override
        public boolean read(String member, JsonParser p) throws IOException {
            String where = path + "." + member;
            switch (member) {
                case "how" -> how = JsonRecords.string(p, where);
                case "status" -> status = JsonRecords.intOrNull(p, where);
                case "signal" -> signal = JsonRecords.intOrNull(p, where);
                case "detail" -> detail = JsonRecords.string(p, where);
                case "at" -> at = JsonRecords.string(p, where);
                default -> {
                    return false;
                }
            }
            return true;
        }
    }
}
