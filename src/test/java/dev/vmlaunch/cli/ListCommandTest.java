package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.supervise.ListedGuests;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListCommandTest {
    static final Instant NOW = Instant.parse("2025-01-01T01:00:00Z");
    static final List<ListedGuests.Entry> ENTRIES = List.of(
            new ListedGuests.Entry(
                    "gpu-win",
                    "vmlaunch",
                    "qemu",
                    "running",
                    4242L,
                    4200L,
                    true,
                    "2025-01-01T00:00:05Z",
                    "2025-01-01T00:00:00Z",
                    List.of("0000:01:00.0", "0000:01:00.1"),
                    null,
                    null,
                    true),
            new ListedGuests.Entry(
                    "old",
                    "vmlaunch",
                    "qemu",
                    "crashed",
                    17L,
                    16L,
                    false,
                    "2025-01-01T00:30:00Z",
                    "2025-01-01T00:00:00Z",
                    List.of(),
                    new ExitRecord(
                            "crash-signal",
                            null,
                            9,
                            "the VMM was killed by " + "signal 9 (SIGKILL)",
                            "2025-01-01T00:30:00Z"),
                    "crash-signal: the VMM was killed by signal 9 " + "(SIGKILL)",
                    false),
            new ListedGuests.Entry(
                    "bad",
                    "vmlaunch",
                    null,
                    "broken",
                    null,
                    null,
                    false,
                    null,
                    null,
                    List.of(),
                    null,
                    "state.json is empty",
                    false));

    @Test
    void theTableHasLkvmListsColumnsFirst() {
        StringWriter s = new StringWriter();
        ListCommand.printTable(new PrintWriter(s), ENTRIES, NOW);
        assertEquals(
                List.of(
                        "    PID NAME                 VMM   STATE    UPTIME   DEVICES        NOTE",
                        "   4242 gpu-win              qemu  running  1h00m    0000:01:00.0,0000:01:00.1",
                        "      - old                  qemu  crashed  -        -              crash-signal: the VMM was killed by "
                                + "signal 9 (SIGKILL)",
                        "      - bad                  -     broken   -        -              state.json is empty"),
                s.toString().lines().toList());
    }

    @Test
    void theJsonHasTheDocumentedFields() throws Exception {
        JsonNode root = new ObjectMapper().readTree(ListCommand.toJson(ENTRIES));
        JsonNode g = root.path("guests").get(0);
        for (String f : List.of("name", "pid", "supervisorPid", "vmm", "state", "since", "devices")) {
            assertEquals(true, g.has(f), f);
        }
        assertEquals(4242, g.path("pid").asLong());
        assertEquals("0000:01:00.1", g.path("devices").get(1).asText());
        assertEquals(9, root.path("guests").get(1).path("exit").path("signal").asInt());
        assertEquals("broken", root.path("guests").get(2).path("state").asText());
        assertEquals(true, root.path("guests").get(2).path("pid").isNull());
    }

    /** ListCommand.toJson as it was, on databind's tree: the output the generator must reproduce. */
    static String databindJson(List<ListedGuests.Entry> entries) throws Exception {
        ObjectNode root = JsonMappers.object();
        ArrayNode guests = root.putArray("guests");
        for (ListedGuests.Entry e : entries) {
            ObjectNode g = guests.addObject();
            g.put("name", e.name());
            g.put("pid", e.pid());
            g.put("supervisorPid", e.supervisorPid());
            g.put("vmm", e.vmm());
            g.put("state", e.state());
            g.put("since", e.since());
            ArrayNode d = g.putArray("devices");
            e.devices().forEach(d::add);
            if (!e.attached().isEmpty()) {
                ArrayNode a = g.putArray("attached");
                e.attached().forEach(a::add);
            }
            g.put("source", e.source());
            g.put("supervised", e.supervised());
            g.put("startedAt", e.startedAt());
            if (e.exit() != null) {
                g.set("exit", JsonMappers.mapper().valueToTree(e.exit()));
            }
            if (e.note() != null) {
                g.put("note", e.note());
            }
        }
        return JsonMappers.pretty().writeValueAsString(root);
    }

    @Test
    void theJsonIsWhatTheDatabindTreeWrote() throws Exception {
        List<ListedGuests.Entry> more = new java.util.ArrayList<>(ENTRIES);
        more.add(new ListedGuests.Entry(
                "hot",
                "vmlaunch",
                "qemu",
                "running",
                Long.MAX_VALUE,
                0L,
                true,
                "2025-01-01T00:00:05Z",
                "2025-01-01T00:00:00Z",
                List.of("0000:01:00.0"),
                new ExitRecord("guest-shutdown", 0, 15, "a \"quoted\" line\n\u00e9\u0007", "2025-01-01T00:30:00Z"),
                "note with \\ and \u2028",
                true,
                List.of("0000:02:00.0", "0000:02:00.1")));
        more.add(new ListedGuests.Entry(
                "foreign",
                "lkvm",
                "lkvm",
                "paused",
                99L,
                null,
                false,
                null,
                "2025-01-01T00:00:00Z",
                List.of(),
                new ExitRecord(null, null, null, null, null),
                "kvmtool guest not started by vmlaunch",
                true));
        more.add(new ListedGuests.Entry(
                null, null, null, null, null, null, false, null, null, List.of(), null, null, false));
        assertEquals(databindJson(more), ListCommand.toJson(more));
        assertEquals(databindJson(ENTRIES), ListCommand.toJson(ENTRIES));
        assertEquals(databindJson(List.of()), ListCommand.toJson(List.of()));
    }
}
