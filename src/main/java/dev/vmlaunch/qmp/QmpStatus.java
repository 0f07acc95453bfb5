package dev.vmlaunch.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer to {@code query-status}.
 *
 * @param status  QEMU's run state: "running", "paused", "prelaunch", "shutdown", "guest-panicked", ...
 * @param running whether vCPUs are running
 */
public record QmpStatus(String status, boolean running) {

    static QmpStatus fromReturn(JsonNode value) {
        return new QmpStatus(
                value.path("status").asText(""), value.path("running").asBoolean(false));
    }
}
