package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.driver.Lifecycle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestStateFileTest {
    @TempDir
    Path dir;

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
}
