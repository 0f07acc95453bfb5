package dev.vmlaunch.supervise;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.state.JsonRecords;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * state.json on the streaming API against what databind (the writer and reader before it) made of the same record
 * or document: the bytes written are the same, and every document reads as the same record.
 */
class GuestStateJsonTest {

    /** Every member set, none null, with text a JSON writer has to escape. */
    static GuestState full() {
        return new GuestState(
                GuestState.VERSION,
                "g-1.full",
                "lkvm",
                "/opt/kvmtool/lkvm \"new\"",
                "0b1c8a3e-2f4d-4c8b-9a4e-5f6a7b8c9d0e",
                Long.MAX_VALUE,
                1234567890123L,
                4321,
                98765,
                true,
                "crashed",
                "2025-01-02T03:04:05.123456789Z",
                "2025-01-02T03:00:00Z",
                List.of("0000:01:00.0", "0000:01:00.1"),
                List.of("0000:01:00.1"),
                true,
                "echo 1 > /sys/.../bind: No such device\n\ttab \u00e9\u2028\u0001",
                "/run/vmlaunch/g-1.full/qmp-cli.sock",
                "/run/vmlaunch/g-1.full/console.sock",
                "/home/u/.lkvm/g-1.full.sock",
                new ExitRecord(ExitRecord.CRASH_SIGNAL, 137, 9, "killed by signal 9 (SIGKILL)", "2025-01-02T03:04:05Z"),
                "poweroff -f");
    }

    /** Only what a starting guest has; every nullable member null. */
    static GuestState sparse() {
        return new GuestState(
                GuestState.VERSION,
                "g2",
                "qemu",
                null,
                null,
                null,
                null,
                0,
                0,
                false,
                "starting",
                "2025-01-02T03:04:05Z",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    static GuestState withExit(ExitRecord e) {
        return sparse().withExit(e);
    }

    static List<GuestState> samples() {
        return List.of(
                full(),
                sparse(),
                withExit(new ExitRecord(ExitRecord.LOST, null, null, "nobody saw it end", null)),
                withExit(new ExitRecord(ExitRecord.VMM_ERROR, -1, null, null, "2025-01-02T03:04:05Z")),
                withExit(new ExitRecord(null, null, null, null, null)),
                full().withManagedDevices(List.of()),
                new GuestState(
                        -7,
                        "",
                        "",
                        "",
                        "",
                        Long.MIN_VALUE,
                        0L,
                        Long.MIN_VALUE,
                        -1,
                        false,
                        "",
                        "",
                        "",
                        List.of(""),
                        List.of(),
                        false,
                        "",
                        "",
                        "",
                        "",
                        null,
                        ""));
    }

    @Test
    void writesWhatDatabindWroteByteForByte() throws Exception {
        for (GuestState s : samples()) {
            String databind = new String(JsonMappers.pretty().writeValueAsBytes(s), UTF_8);
            assertEquals(databind, new String(GuestStateJson.write(s), UTF_8));
        }
    }

    @Test
    void everyMemberRoundTrips() throws Exception {
        for (GuestState s : samples()) {
            assertEquals(s, GuestStateJson.read(GuestStateJson.write(s)));
        }
    }

    @Test
    void filesDatabindWroteReadAsTheSameRecord() throws Exception {
        for (GuestState s : samples()) {
            assertEquals(s, GuestStateJson.read(JsonMappers.pretty().writeValueAsBytes(s)));
            assertEquals(s, GuestStateJson.read(JsonMappers.mapper().writeValueAsBytes(s)));
        }
    }

    /** Documents no vmlaunch wrote but that databind read: nulls, absences, unknown members, duplicates. */
    @Test
    void readsLenientDocumentsAsDatabindDid() throws Exception {
        for (String doc : List.of(
                "{}",
                "{\"name\":\"g1\",\"vmm\":\"qemu\",\"state\":\"running\",\"since\":\"x\"}",
                "{\"version\":null,\"supervisorPid\":null,\"supervisorStart\":null,\"foreground\":null,\"pid\":null,"
                        + "\"pidStart\":null,\"devices\":null,\"managedDevices\":null,\"devicesRestored\":null,"
                        + "\"exit\":null,\"name\":null,\"stopConsoleCommand\":null}",
                "{\"future\":{\"deep\":[1,{\"x\":[[]]},\"s\"]},\"name\":\"g1\",\"more\":[{},[]],\"last\":null,"
                        + "\"n\":1.5e300,\"b\":true}",
                "{\"exit\":{\"how\":\"panic\",\"newer\":{\"a\":[1]},\"status\":3},\"devices\":[]}",
                "{\"name\":\"first\",\"name\":\"second\",\"pid\":1,\"pid\":null}",
                "  \n{\"name\":\"g1\"}\n\n",
                "{\"name\":\"g1\"} {\"name\":\"ignored, as databind left what follows the value\"}",
                "{\"version\":2147483647,\"supervisorPid\":-9223372036854775808,\"foreground\":false}",
                "\ufeff{\"name\":\"after a byte order mark\"}")) {
            byte[] b = doc.getBytes(UTF_8);
            assertEquals(JsonMappers.mapper().readValue(b, GuestState.class), GuestStateJson.read(b), doc);
        }
    }

    @Test
    void jsonNullIsNoState() throws Exception {
        assertNull(GuestStateJson.read("null".getBytes(UTF_8)));
        assertNull(GuestStateJson.read(" null ".getBytes(UTF_8)));
    }

    @Test
    void wrongTypesAreRefusedNamingTheMember() {
        for (String[] c : List.of(
                new String[] {"{\"version\":\"1\"}", "'version' must be an integer, not a string"},
                new String[] {"{\"version\":1.0}", "'version' must be an integer, not a fraction"},
                new String[] {"{\"version\":2147483648}", "'version' is out of range (32-bit integer)"},
                new String[] {"{\"pid\":\"five\"}", "'pid' must be an integer, not a string"},
                new String[] {"{\"pid\":9223372036854775808}", "'pid' is out of range (64-bit integer)"},
                new String[] {"{\"pidStart\":true}", "'pidStart' must be an integer, not a boolean"},
                new String[] {"{\"supervisorPid\":[1]}", "'supervisorPid' must be an integer, not an array"},
                new String[] {"{\"supervisorStart\":{}}", "'supervisorStart' must be an integer, not an object"},
                new String[] {"{\"foreground\":\"true\"}", "'foreground' must be true or false, not a string"},
                new String[] {"{\"devicesRestored\":1}", "'devicesRestored' must be true or false, not an integer"},
                new String[] {"{\"name\":5}", "'name' must be a string, not an integer"},
                new String[] {"{\"vmm\":{\"x\":1}}", "'vmm' must be a string, not an object"},
                new String[] {"{\"state\":[\"running\"]}", "'state' must be a string, not an array"},
                new String[] {"{\"since\":false}", "'since' must be a string, not a boolean"},
                new String[] {"{\"devices\":\"0000:01:00.0\"}", "'devices' must be an array of strings, not a string"},
                new String[] {"{\"devices\":[\"a\",1]}", "'devices[1]' must be a string, not an integer"},
                new String[] {"{\"managedDevices\":[null]}", "'managedDevices[0]' must be a string, not null"},
                new String[] {"{\"managedDevices\":[[]]}", "'managedDevices[0]' must be a string, not an array"},
                new String[] {"{\"exit\":\"lost\"}", "'exit' must be an object, not a string"},
                new String[] {"{\"exit\":[]}", "'exit' must be an object, not an array"},
                new String[] {"{\"exit\":{\"status\":\"0\"}}", "'exit.status' must be an integer, not a string"},
                new String[] {"{\"exit\":{\"signal\":9.5}}", "'exit.signal' must be an integer, not a fraction"},
                new String[] {"{\"exit\":{\"how\":{}}}", "'exit.how' must be a string, not an object"},
                new String[] {"{\"exit\":{\"at\":1}}", "'exit.at' must be a string, not an integer"},
                new String[] {"[1,2]", "'$' must be an object, not an array"},
                new String[] {"\"state\"", "'$' must be an object, not a string"},
                new String[] {"42", "'$' must be an object, not an integer"})) {
            IOException e = assertThrows(IOException.class, () -> GuestStateJson.read(c[0].getBytes(UTF_8)), c[0]);
            assertTrue(e instanceof JsonRecords.ShapeException, c[0] + ": " + e);
            assertEquals(c[1], e.getMessage(), c[0]);
        }
    }

    @Test
    void syntaxErrorsAndTruncationAreRefused() throws Exception {
        byte[] full = GuestStateJson.write(full());
        for (int len = 0; len < full.length; len += 7) {
            byte[] cut = java.util.Arrays.copyOf(full, len);
            assertThrows(IOException.class, () -> GuestStateJson.read(cut), new String(cut, UTF_8));
        }
        for (String doc : List.of("{\"name\":", "{\"name\" \"g\"}", "{name:1}", "{\"a\":1,}", "\u0000\u0001garbage")) {
            assertThrows(IOException.class, () -> GuestStateJson.read(doc.getBytes(UTF_8)), doc);
        }
    }
}
