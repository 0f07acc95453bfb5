package dev.vmlaunch.supervise;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.VmlaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hotplug.json on the streaming API against databind, which wrote and read it before. */
class AttachedDevicesFileTest {
    @TempDir
    Path root;

    GuestDir dir() {
        return new GuestDir(root, "g");
    }

    static AttachedDevices sample() {
        return AttachedDevices.NONE
                .plus(new AttachedDevices.Attached(
                        "0000:02:00.0",
                        "vml-hot-0000_02_00_0",
                        "vml-hp0",
                        true,
                        "0000:02:00.0",
                        "2025-01-01T00:00:00Z",
                        null))
                .plus(new AttachedDevices.Attached(
                        "0000:02:00.1", "vml-hot-0000_02_00_1", "vml-hp1", false, "0000:02:00.0", null, true))
                .plus(new AttachedDevices.Attached(null, null, null, false, null, null, false));
    }

    static List<AttachedDevices> samples() {
        return List.of(sample(), AttachedDevices.NONE, new AttachedDevices(0, null));
    }

    @Test
    void writesWhatDatabindWroteAndReadsItBack() throws Exception {
        for (AttachedDevices a : samples()) {
            assertEquals(
                    new String(JsonMappers.mapper().writeValueAsBytes(a), UTF_8),
                    new String(AttachedDevicesFile.render(a), UTF_8));
            AttachedDevicesFile.write(dir(), a);
            assertEquals(a, AttachedDevicesFile.read(dir()));
        }
    }

    @Test
    void filesDatabindWroteReadTheSame() throws Exception {
        for (AttachedDevices a : samples()) {
            Files.write(dir().hotplugFile(), JsonMappers.mapper().writeValueAsBytes(a));
            assertEquals(a, AttachedDevicesFile.read(dir()));
        }
        for (String doc : List.of(
                "{}",
                "{\"version\":1,\"attached\":null,\"future\":[{\"x\":1}]}",
                "{\"attached\":[{\"host\":\"h\",\"newer\":{\"a\":[]},\"managed\":null,\"unplugRequested\":null}]}")) {
            byte[] b = doc.getBytes(UTF_8);
            assertEquals(JsonMappers.mapper().readValue(b, AttachedDevices.class), AttachedDevicesFile.parse(b), doc);
        }
    }

    @Test
    void noFileOrJsonNullIsNone() throws Exception {
        assertSame(AttachedDevices.NONE, AttachedDevicesFile.read(dir()));
        Files.writeString(dir().hotplugFile(), "null");
        assertSame(AttachedDevices.NONE, AttachedDevicesFile.read(dir()));
    }

    @Test
    void badFilesFailReadAndAreNoneQuietly() throws Exception {
        Path f = dir().hotplugFile();
        for (String[] c : List.of(
                new String[] {"", "holds no JSON value"},
                new String[] {"{\"attached\":[", "Unexpected end-of-input"},
                new String[] {"{\"attached\":{}}", "'attached' must be an array of objects"},
                new String[] {"{\"attached\":[null]}", "'attached[0]' must be an object, not null"},
                new String[] {"{\"attached\":[\"0000:02:00.0\"]}", "'attached[0]' must be an object, not a string"},
                new String[] {"{\"attached\":[{\"managed\":\"yes\"}]}", "'attached[0].managed' must be true or false"},
                new String[] {"{\"attached\":[{\"host\":1}]}", "'attached[0].host' must be a string, not an integer"},
                new String[] {"{\"version\":\"1\"}", "'version' must be an integer, not a string"})) {
            Files.writeString(f, c[0]);
            VmlaunchException e = assertThrows(VmlaunchException.class, () -> AttachedDevicesFile.read(dir()), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
            assertSame(AttachedDevices.NONE, AttachedDevicesFile.readQuietly(dir()), c[0]);
        }
    }

    @Test
    void aSymlinkAFifoOrAHugeFileIsRefused() throws Exception {
        Path f = dir().hotplugFile();
        Path real = root.resolve("real.json");
        Files.write(real, AttachedDevicesFile.render(sample()));
        Files.createSymbolicLink(f, real);
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> AttachedDevicesFile.read(dir()));
        assertTrue(
                e.getMessage()
                        .endsWith(
                                "hotplug.json is a symbolic link, not a regular file: not vmlaunch's; " + "remove it"),
                e.getMessage());
        Files.delete(f);

        Process mk = new ProcessBuilder("mkfifo", f.toString()).inheritIO().start();
        assertTrue(mk.waitFor(1, TimeUnit.MINUTES));
        assertEquals(0, mk.exitValue());
        e = assertThrows(VmlaunchException.class, () -> AttachedDevicesFile.read(dir()));
        assertTrue(e.getMessage().contains("is a FIFO, socket or device node"), e.getMessage());
        assertSame(AttachedDevices.NONE, AttachedDevicesFile.readQuietly(dir()));
        Files.delete(f);

        Files.write(f, new byte[AttachedDevicesFile.MAX_BYTES + 1]);
        e = assertThrows(VmlaunchException.class, () -> AttachedDevicesFile.read(dir()));
        assertTrue(e.getMessage().contains("hotplug.json is larger than 256 KiB"), e.getMessage());
    }
}
