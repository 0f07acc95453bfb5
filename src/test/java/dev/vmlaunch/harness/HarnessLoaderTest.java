package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.ConfigError;
import dev.vmlaunch.config.ConfigException;
import dev.vmlaunch.config.Vmm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HarnessLoaderTest {
    @TempDir
    Path dir;

    List<String> errors(String json) throws Exception {
        Path f = dir.resolve("h.json");
        Files.writeString(f, json);
        ConfigException e = assertThrows(ConfigException.class, () -> HarnessLoader.load(f));
        return e.errors().stream().map(ConfigError::format).toList();
    }

    String guest(String name, String extra) {
        return "{\"name\":\"" + name + "\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"shares\":[{\"path\":\"" + dir
                + "\",\"tag\":\"work\"" + extra + "}],\"passthrough\":[{\"host\":\"01:00.0\"}]}";
    }

    @Test
    void theSeedsPairLoadsWithBothLkvmGuests() {
        HarnessSpec h = HarnessLoader.load(Path.of("examples/smmute-pair.json")).spec();
        assertEquals("smmute-pair", h.name());
        assertEquals(List.of("virt1", "virt2"), h.guests().stream().map(g -> g.name()).toList());
        assertTrue(h.guests().stream().allMatch(g -> g.vmm() == Vmm.LKVM));
        assertEquals("hostshare", h.shareTag());
        assertEquals("./smmute -s 0x100 -n 10", h.workload());
        assertEquals("ITS-MSI", h.expect().chip());
        assertEquals(Duration.ofSeconds(300), h.bootTimeout());
        assertEquals("0000:08:00.1", h.guests().get(0).passthrough().get(0).host().toString());
    }

    @Test
    void inlineGuestErrorsNameTheirPlaceInTheHarness() throws Exception {
        List<String> e = errors("{\"guests\":[" + guest("a", "") + ",{\"name\":\"b\",\"vmm\":\"qemu\",\"cpus\":0}],"
                + "\"share\":\"work\",\"workload\":\"true\"}");
        assertTrue(e.stream().anyMatch(l -> l.contains("$.guests[1].cpus: out of range: 0")), e.toString());
    }

    @Test
    void everyGuestNeedsTheShareWritableAndADeviceToJudge() throws Exception {
        List<String> e = errors("{\"guests\":[" + guest("a", ",\"readonly\":true") + ",{\"name\":\"b\",\"vmm\":\"qemu\"}],"
                + "\"share\":\"work\",\"workload\":\"true\"}");
        assertTrue(e.stream().anyMatch(l -> l.contains("the share \"work\" of guest \"a\" is read-only")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("$.guests[1].shares: guest \"b\" has no share tagged \"work\"")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("guest \"b\" has no device to judge")), e.toString());
    }

    @Test
    void duplicateGuestNamesAndBadExpectations() throws Exception {
        List<String> e = errors("{\"guests\":[" + guest("a", "") + "," + guest("a", "") + "],\"share\":\"work\","
                + "\"workload\":\"true\",\"expect\":{\"minVectorsFired\":-1,\"chip\":\"ITS MSI\"},\"devices\":[\"8086-10d3\"]}");
        assertTrue(e.stream().anyMatch(l -> l.contains("two guests named \"a\"")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("$.expect.minVectorsFired: out of range")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("$.expect.chip: ")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("$.devices[0]: expected \"vendor:device\"")), e.toString());
    }

    @Test
    void requiredFieldsAndUnknownOnes() throws Exception {
        List<String> e = errors("{\"guest\":[]}");
        assertTrue(e.stream().anyMatch(l -> l.contains("unknown field \"guest\" (did you mean \"guests\"?)")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("missing required field \"guests\"")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("missing required field \"share\"")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("missing required field \"workload\"")), e.toString());
    }
}
