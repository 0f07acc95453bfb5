package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmlaunch.qmp.QmpEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogTest {
    @TempDir
    Path dir;

    @Test
    void qmpEventsKeepQemusTimestampAndTornLinesAreSkipped() throws Exception {
        Path f = dir.resolve("events.jsonl");
        EventLog log = new EventLog(f);
        Instant qemuTime = Instant.parse("2025-03-04T05:06:07.123456Z");
        log.qmp(new QmpEvent(
                "SHUTDOWN", new ObjectMapper().readTree("{\"guest\":true,\"reason\":\"guest-shutdown\"}"), qemuTime));
        log.vmlaunch("VMLAUNCH_EXITED", Map.of("how", "guest-shutdown"));
        Files.writeString(f, "{\"ts\":\"2025", StandardOpenOption.APPEND);
        List<EventLog.Entry> all = EventLog.read(f);
        assertEquals(2, all.size());
        assertEquals(
                "2025-03-04T05:06:07.123456Z SHUTDOWN {\"guest\":true,\"reason\":\"guest-shutdown\"}",
                all.get(0).format());
        assertEquals("qmp", all.get(0).source());
        assertEquals("vmlaunch", all.get(1).source());
        assertEquals(List.of(all.get(1)), EventLog.tail(f, 1));
    }
}
