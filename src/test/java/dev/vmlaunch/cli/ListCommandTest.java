package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
}
