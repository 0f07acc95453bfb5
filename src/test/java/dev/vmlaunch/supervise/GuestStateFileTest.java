package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.driver.Lifecycle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

// A FIFO that nobody opens blocks an open forever: a regression fails on the timeout instead of hanging the build.
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GuestStateFileTest {
    @TempDir
    Path dir;

    static void mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertTrue(mk.waitFor(1, TimeUnit.MINUTES));
        assertEquals(0, mk.exitValue());
    }

    /** A valid state document with {@code member} removed. */
    static String without(String member) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode o = (com.fasterxml.jackson.databind.node.ObjectNode)
                JsonMappers.mapper().valueToTree(sample("g1"));
        o.remove(member);
        return JsonMappers.mapper().writeValueAsString(o);
    }

    static GuestState sample(String name) {
        String now = Instant.parse("2025-01-02T03:04:05Z").toString();
        return new GuestState(
                GuestState.VERSION,
                name,
                "qemu",
                "qemu-system-x86_64",
                "boot-1",
                100L,
                5000L,
                99,
                4000,
                false,
                "running",
                now,
                now,
                List.of("0000:01:00.0"),
                List.of("0000:01:00.0"),
                false,
                null,
                "/run/vmlaunch/" + name + "/qmp-cli.sock",
                null,
                null,
                null,
                null);
    }

    @Test
    void roundTripsAndLeavesNoTempFiles() throws Exception {
        Path f = dir.resolve("state.json");
        GuestState s = sample("g1");
        GuestStateFile.write(f, s);
        GuestStateFile.write(f, s.withLifecycle(Lifecycle.PAUSED, Instant.parse("2025-01-02T03:05:00Z")));
        GuestStateFile.Read r = GuestStateFile.read(f);
        assertTrue(r.present());
        assertEquals("paused", r.state().state());
        assertEquals(s.devices(), r.state().devices());
        assertEquals(s.vmmIdentity(), r.state().vmmIdentity());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }

    @Test
    void aMissingFileIsNeitherPresentNorBroken() {
        GuestStateFile.Read r = GuestStateFile.read(dir.resolve("state.json"));
        assertFalse(r.present());
        assertFalse(r.broken());
    }

    @Test
    void aTruncatedFileIsBrokenWithAReason() throws Exception {
        Path f = dir.resolve("state.json");
        GuestStateFile.write(f, sample("g1"));
        byte[] full = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(full, full.length / 2));
        GuestStateFile.Read r = GuestStateFile.read(f);
        assertTrue(r.broken());
        assertNull(r.state());
        assertTrue(r.brokenReason().startsWith("state.json is not valid"), r.brokenReason());
    }

    @Test
    void emptyGarbageAndIncompleteFilesAreBroken() throws Exception {
        Path f = dir.resolve("state.json");
        for (String content : List.of(
                "",
                "\u0000\u0001garbage",
                "[1,2]",
                "null",
                "{\"name\":\"g1\"}",
                "{\"name\":\"g1\",\"vmm\":\"qemu\",\"state\":\"exploded\",\"since\":\"x\"}",
                "{\"name\":\"g1\",\"vmm\":\"qemu\",\"state\":\"running\",\"since\":\"x\",\"pid\":5}",
                "{\"name\":\"g1\",\"vmm\":\"qemu\",\"state\":\"running\",\"since\":\"x\",\"pid\":\"five\"}")) {
            Files.writeString(f, content, StandardCharsets.UTF_8);
            GuestStateFile.Read r = GuestStateFile.read(f);
            assertTrue(r.broken(), "broken: " + content);
        }
    }

    @Test
    void unknownFieldsFromANewerVersionAreIgnored() throws Exception {
        Path f = dir.resolve("state.json");
        Files.writeString(f, "{\"name\":\"g1\",\"vmm\":\"lkvm\",\"state\":\"stopped\",\"since\":\"x\",\"future\":1}");
        assertTrue(GuestStateFile.read(f).present());
    }

    @Test
    void everyMemberRoundTripsThroughTheFile() throws Exception {
        Path f = dir.resolve("state.json");
        for (GuestState s : GuestStateJsonTest.samples()) {
            if (GuestStateFile.read(writeAndReadBack(f, s)).present()) {
                assertEquals(s, GuestStateFile.read(f).state());
            }
        }
        GuestState full = GuestStateJsonTest.full();
        GuestStateFile.write(f, full);
        assertEquals(full, GuestStateFile.read(f).state());
    }

    private static Path writeAndReadBack(Path f, GuestState s) throws IOException {
        GuestStateFile.write(f, s);
        return f;
    }

    @Test
    void aFileTodaysDatabindWriterMadeReadsTheSame() throws Exception {
        Path f = dir.resolve("state.json");
        for (GuestState s : List.of(sample("g1"), GuestStateJsonTest.full(), GuestStateJsonTest.sparse())) {
            Files.write(f, JsonMappers.pretty().writeValueAsBytes(s));
            GuestStateFile.Read r = GuestStateFile.read(f);
            assertTrue(r.present(), r.brokenReason());
            assertEquals(s, r.state());
        }
    }

    @Test
    void theFileIsWhatDatabindWrote() throws Exception {
        Path f = dir.resolve("state.json");
        GuestState s = GuestStateJsonTest.full();
        GuestStateFile.write(f, s);
        assertEquals(
                new String(JsonMappers.pretty().writeValueAsBytes(s), StandardCharsets.UTF_8), Files.readString(f));
    }

    @Test
    void aSymlinkIsNotFollowed() throws Exception {
        Path real = dir.resolve("elsewhere.json");
        GuestStateFile.write(real, sample("g1"));
        Path f = dir.resolve("state.json");
        Files.createSymbolicLink(f, real);
        GuestStateFile.Read r = GuestStateFile.read(f);
        assertFalse(r.present());
        assertEquals("state.json is a symbolic link, not a regular file", r.brokenReason());
    }

    @Test
    void aDanglingSymlinkIsBrokenNotMissing() throws Exception {
        Path f = dir.resolve("state.json");
        Files.createSymbolicLink(f, dir.resolve("nowhere"));
        assertEquals(
                "state.json is a symbolic link, not a regular file",
                GuestStateFile.read(f).brokenReason());
    }

    @Test
    void aFifoIsRefusedWithoutBeingOpened() throws Exception {
        Path f = dir.resolve("state.json");
        mkfifo(f);
        GuestStateFile.Read r = GuestStateFile.read(f);
        assertFalse(r.present());
        assertEquals("state.json is a FIFO, socket or device node, not a regular file", r.brokenReason());
    }

    @Test
    void aDirectoryIsRefused() throws Exception {
        Path f = dir.resolve("state.json");
        Files.createDirectory(f);
        assertEquals(
                "state.json is a directory, not a regular file",
                GuestStateFile.read(f).brokenReason());
    }

    @Test
    void aFileOverTheCapIsBrokenAndNotReadWhole() throws Exception {
        Path f = dir.resolve("state.json");
        byte[] big = new byte[GuestStateFile.MAX_BYTES + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        big[0] = '{';
        big[big.length - 1] = '}';
        Files.write(f, big);
        assertEquals("state.json is larger than 256 KiB", GuestStateFile.read(f).brokenReason());
        // Exactly at the cap is read (and then judged as JSON).
        Files.write(f, java.util.Arrays.copyOf(big, GuestStateFile.MAX_BYTES));
        assertTrue(GuestStateFile.read(f).brokenReason().startsWith("state.json is not valid"));
    }

    @Test
    void aStateOfWrongTypesIsBrokenNamingTheMember() throws Exception {
        Path f = dir.resolve("state.json");
        for (String[] c : List.of(
                new String[] {"pid", "\"five\"", "'pid' must be an integer, not a string"},
                new String[] {"name", "5", "'name' must be a string, not an integer"},
                new String[] {"devices", "\"0000:01:00.0\"", "'devices' must be an array of strings, not a string"},
                new String[] {"foreground", "\"no\"", "'foreground' must be true or false, not a string"},
                new String[] {"exit", "[]", "'exit' must be an object, not an array"},
                new String[] {"version", "1e3", "'version' must be an integer, not a fraction"})) {
            com.fasterxml.jackson.databind.node.ObjectNode o =
                    JsonMappers.mapper().valueToTree(sample("g1"));
            o.set(c[0], JsonMappers.mapper().readTree(c[1]));
            String doc = JsonMappers.mapper().writeValueAsString(o);
            Files.writeString(f, doc);
            GuestStateFile.Read r = GuestStateFile.read(f);
            assertFalse(r.present(), doc);
            assertEquals("state.json is not valid: " + c[2], r.brokenReason(), doc);
        }
    }

    @Test
    void aStateWithoutWhatEverythingReliesOnIsBroken() throws Exception {
        Path f = dir.resolve("state.json");
        for (String[] c : List.of(
                new String[] {"name", "state.json has no name"},
                new String[] {"vmm", "state.json has an unknown vmm: null"},
                new String[] {"state", "state.json has an unknown state: null"},
                new String[] {"since", "state.json has no 'since'"},
                new String[] {"pidStart", "state.json has a pid without its start time"})) {
            Files.writeString(f, without(c[0]));
            assertEquals(c[1], GuestStateFile.read(f).brokenReason(), c[0]);
        }
    }

    @Test
    void unknownMembersAnywhereAreIgnored() throws Exception {
        Path f = dir.resolve("state.json");
        GuestState s = GuestStateJsonTest.full();
        com.fasterxml.jackson.databind.node.ObjectNode o = JsonMappers.mapper().valueToTree(s);
        o.putObject("fromTheFuture").putArray("list").addObject().put("x", 1);
        ((com.fasterxml.jackson.databind.node.ObjectNode) o.get("exit")).put("core", "dumped");
        o.put("zzz", 1.5);
        Files.write(f, JsonMappers.pretty().writeValueAsBytes(o));
        assertEquals(s, GuestStateFile.read(f).state());
    }
}
