package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** print tells what run applies besides the argv when the guest is pinned; the argv itself stays the VMM's. */
class PrintAffinityTest {
    @TempDir
    Path dir;

    private String[] print(String guestMembers, String... opts) throws Exception {
        Path f = dir.resolve("g.json");
        Files.writeString(
                f, "{\"name\": \"g\", \"vmm\": \"qemu\", \"accel\": \"tcg\", \"cpus\": 2" + guestMembers + "}");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = new String[opts.length + 2];
        args[0] = "print";
        System.arraycopy(opts, 0, args, 1, opts.length);
        args[args.length - 1] = f.toString();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        return new String[] {out.toString(), err.toString()};
    }

    @Test
    void textStartsWithACommentSayingWhatIsPinnedAndHow() throws Exception {
        String out = print(", \"cpuAffinity\": \"0-1\", \"vcpuPin\": {\"0\": \"0\", \"1\": \"1\"}")[0];
        String first = out.lines().findFirst().orElseThrow();
        assertEquals(
                "# vmlaunch pins this guest: process 0-1; vCPU 0 on 0, vCPU 1 on 1; started under taskset -c 0-1; "
                        + "-S: paused until pinned, then QMP cont",
                first);
        assertTrue(out.lines().skip(1).findFirst().orElseThrow().startsWith("qemu-system-x86_64 "), out);
        assertFalse(out.contains("taskset -c 0-1 qemu"), "taskset is not part of the printed argv");
    }

    @Test
    void jsonIsAnObjectWithTheArgvAndTheAffinity() throws Exception {
        JsonNode doc = new ObjectMapper()
                .readTree(print(", \"cpuAffinity\": \"1\", \"vcpuPin\": {\"1\": \"1\"}", "--json")[0]);
        assertEquals("qemu-system-x86_64", doc.path("argv").get(0).asText());
        assertTrue(doc.path("argv").toString().contains("\"-S\""), doc.toString());
        JsonNode a = doc.path("affinity");
        assertEquals("1", a.path("process").asText());
        assertEquals("1", a.path("vcpus").path("1").asText());
        assertEquals("[\"taskset\",\"-c\",\"1\"]", a.path("spawnPrefix").toString());
        assertTrue(a.path("pausedUntilPinned").asBoolean());
    }

    @Test
    void anUnpinnedGuestPrintsThePlainArgvArray() throws Exception {
        assertTrue(new ObjectMapper().readTree(print("", "--json")[0]).isArray());
        assertFalse(print("")[0].startsWith("#"));
    }
}
