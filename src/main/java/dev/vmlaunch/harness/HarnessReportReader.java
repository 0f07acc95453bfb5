package dev.vmlaunch.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.JsonMappers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads back what {@link HarnessReportWriter#json} wrote (the lab's report comes out of the lab host this way). */
public final class HarnessReportReader {
    private HarnessReportReader() {}

    public static HarnessReport read(Path file) throws IOException {
        return read(JsonMappers.mapper().readTree(file.toFile()));
    }

    public static HarnessReport read(JsonNode j) {
        List<HarnessReport.GuestResult> guests = new ArrayList<>();
        for (JsonNode g : j.path("guests")) {
            List<HarnessReport.DeviceResult> devices = new ArrayList<>();
            for (JsonNode d : g.path("devices")) {
                devices.add(new HarnessReport.DeviceResult(
                        text(d, "host"),
                        text(d, "guest"),
                        text(d, "vendorDevice"),
                        text(d, "chip"),
                        d.path("vectors").asInt(),
                        d.path("fired").asInt(),
                        d.path("delta").asLong(),
                        d.path("passed").asBoolean(),
                        text(d, "failure"),
                        d.path("managed").isBoolean() ? d.get("managed").asBoolean() : null,
                        text(d, "restoredDriver"),
                        hostSide(d.get("hostInterrupts"))));
            }
            JsonNode w = g.path("workload");
            HarnessReport.Workload workload = w.path("exitCode").isNumber()
                    ? new HarnessReport.Workload(
                            w.get("exitCode").asInt(),
                            "",
                            Duration.ofMillis(w.path("elapsedMs").asLong()))
                    : null;
            String console = text(g, "consoleLog");
            guests.add(new HarnessReport.GuestResult(
                    text(g, "name"),
                    g.path("passed").asBoolean(),
                    text(g, "error"),
                    devices,
                    workload,
                    console == null ? null : Path.of(console),
                    text(g, "vmm"),
                    text(g, "accel")));
        }
        return new HarnessReport(
                text(j, "name"),
                j.path("passed").asBoolean(),
                guests,
                Duration.ofMillis(j.path("elapsedMs").asLong()));
    }

    private static HostInterruptSide hostSide(JsonNode h) {
        if (h == null || !h.isObject()) {
            return null;
        }
        List<String> kinds = new ArrayList<>();
        h.path("kinds").forEach(k -> kinds.add(k.asText()));
        return new HostInterruptSide(
                h.path("vectors").asInt(),
                h.path("fired").asInt(),
                h.path("delta").asLong(),
                kinds,
                text(h, "moved"),
                text(h, "note"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
