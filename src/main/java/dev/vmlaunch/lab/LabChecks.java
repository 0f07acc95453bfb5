package dev.vmlaunch.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.JsonMappers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What the lab host checked besides the harness report: that the managed NICs were back on e1000e after the harness,
 * and that the detached flow (run -d, list, status, stop) worked. The lab host writes it to its lab folder; the outer
 * lab fails when it is missing or says no, even if every interrupt fired.
 */
record LabChecks(int exit, boolean nicsRestored, boolean detachedFlow) {
    static final String FILE = "checks.json";
    /** The lab host wrote it: a few fields, never large. */
    private static final int MAX_BYTES = 64 * 1024;

    boolean passed() {
        return exit == 0 && nicsRestored && detachedFlow;
    }

    static void write(Path dir, int exit, boolean nicsRestored, boolean detachedFlow) throws IOException {
        ObjectNode n = JsonMappers.object();
        n.put("exit", exit).put("nicsRestored", nicsRestored).put("detachedFlow", detachedFlow);
        Files.writeString(dir.resolve(FILE), n.toPrettyString() + "\n");
    }

    /** The checks in {@code dir}, or a failed set when the file is missing or unreadable. */
    static LabChecks read(Path dir) {
        Path f = dir.resolve(FILE);
        try (var in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
            JsonNode j = JsonMappers.mapper().readTree(in.readNBytes(MAX_BYTES));
            return new LabChecks(
                    j.path("exit").asInt(1),
                    j.path("nicsRestored").asBoolean(false),
                    j.path("detachedFlow").asBoolean(false));
        } catch (IOException | RuntimeException e) {
            return new LabChecks(1, false, false);
        }
    }
}
