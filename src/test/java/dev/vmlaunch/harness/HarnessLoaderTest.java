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
        assertEquals(
                List.of("virt1", "virt2"),
                h.guests().stream().map(g -> g.name()).toList());
        assertTrue(h.guests().stream().allMatch(g -> g.vmm() == Vmm.LKVM));
        assertEquals("hostshare", h.shareTag());
        assertEquals("./smmute -s 0x100 -n 10", h.workload());
        assertEquals("ITS-MSI", h.expect().chip());
        assertEquals(Duration.ofMinutes(5), h.bootTimeout());
        assertEquals(
                "0000:08:00.1", h.guests().get(0).passthrough().get(0).host().toString());
    }

    @Test
    void inlineGuestErrorsNameTheirPlaceInTheHarness() throws Exception {
        List<String> e = errors("{\"guests\":[" + guest("a", "") + ",{\"name\":\"b\",\"vmm\":\"qemu\",\"cpus\":0}],"
                + "\"share\":\"work\",\"workload\":\"true\"}");
        assertTrue(e.stream().anyMatch(l -> l.contains("$.guests[1].cpus: out of range: 0")), e.toString());
    }

    @Test
    void everyGuestNeedsTheShareWritableAndADeviceToJudge() throws Exception {
        List<String> e = errors("{\"guests\":[" + guest("a", ",\"readonly\":true")
                + ",{\"name\":\"b\",\"vmm\":\"qemu\"}]," + "\"share\":\"work\",\"workload\":\"true\"}");
        assertTrue(
                e.stream().anyMatch(l -> l.contains("the share \"work\" of guest \"a\" is read-only")), e.toString());
        assertTrue(
                e.stream().anyMatch(l -> l.contains("$.guests[1].shares: guest \"b\" has no share tagged \"work\"")),
                e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("guest \"b\" has no device to judge")), e.toString());
    }

    @Test
    void duplicateGuestNamesAndBadExpectations() throws Exception {
        List<String> e = errors(
                "{\"guests\":[" + guest("a", "") + "," + guest("a", "") + "],\"share\":\"work\","
                        + "\"workload\":\"true\",\"expect\":{\"minVectorsFired\":-1,\"chip\":\"ITS MSI\"},\"devices\":[\"8086-10d3\"]}");
        assertTrue(e.stream().anyMatch(l -> l.contains("two guests named \"a\"")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("$.expect.minVectorsFired: out of range")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("$.expect.chip: ")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("$.devices[0]: expected \"vendor:device\"")), e.toString());
    }

    @Test
    void requiredFieldsAndUnknownOnes() throws Exception {
        List<String> e = errors("{\"guest\":[]}");
        assertTrue(
                e.stream().anyMatch(l -> l.contains("unknown field \"guest\" (did you mean \"guests\"?)")),
                e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("missing required field \"guests\"")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("missing required field \"share\"")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("missing required field \"workload\"")), e.toString());
    }

    @Test
    void theSeedsPairRunsUnmodifiedGuestsThroughTheirConsoles() {
        HarnessSpec h =
                HarnessLoader.load(Path.of("examples/smmute-pair-console.json")).spec();
        assertEquals(
                List.of("virt1", "virt2"),
                h.guests().stream().map(g -> g.name()).toList());
        for (var g : h.guests()) {
            ConsoleSpec.Choice c = h.driverOf(g);
            assertEquals(GuestDriverKind.CONSOLE, c.kind());
            assertEquals("/tmp", c.console().mountPoint(), "where the seed's users mount the share");
            assertEquals("root", c.console().login().orElseThrow().user());
            assertEquals(
                    ConsoleSpec.DEFAULT_PROMPT.pattern(), c.console().prompt().pattern());
            assertEquals("trans=virtio", c.console().mountOptions());
        }
    }

    @Test
    void theAgentStaysTheDefaultDriver() {
        HarnessSpec h = HarnessLoader.load(Path.of("examples/smmute-pair.json")).spec();
        assertTrue(h.guests().stream().allMatch(g -> h.driverOf(g).kind() == GuestDriverKind.AGENT));
    }

    @Test
    void aGuestEntryCanPickItsOwnDriverAndConsoleSettings() throws Exception {
        Path f = dir.resolve("h.json");
        Files.writeString(
                f,
                "{\"guests\":[" + guest("a", "") + ",{\"guest\":" + guest("b", ",\"readonly\":true")
                        + ",\"driver\":\"console\",\"console\":{\"prompt\":\"buildroot# $\",\"commandTimeout\":90,"
                        + "\"login\":{\"user\":\"root\",\"password\":\"pw\",\"userPrompt\":\"Login: $\"}}}],"
                        + "\"share\":\"work\",\"workload\":\"true\"}");
        HarnessSpec h = HarnessLoader.load(f).spec();
        assertEquals(GuestDriverKind.AGENT, h.driverOf(h.guests().get(0)).kind());
        ConsoleSpec c = h.driverOf(h.guests().get(1)).console();
        assertEquals(GuestDriverKind.CONSOLE, h.driverOf(h.guests().get(1)).kind());
        assertEquals("buildroot# $", c.prompt().pattern());
        assertEquals(Duration.ofSeconds(90), c.commandTimeout());
        assertEquals("pw", c.login().orElseThrow().password());
        assertEquals("Login: $", c.login().orElseThrow().userPrompt().pattern());
        assertEquals(
                ConsoleSpec.Login.DEFAULT_PASSWORD_PROMPT.pattern(),
                c.login().orElseThrow().passwordPrompt().pattern());
        assertEquals("/mnt", c.mountPoint(), "a read-only share is fine: the console driver writes nothing there");
    }

    @Test
    void badConsoleSettingsAreLocatedErrors() throws Exception {
        List<String> e = errors("{\"guests\":[" + guest("a", "") + "],\"share\":\"work\",\"workload\":\"true\",\n"
                + "\"driver\":\"screen\"}");
        assertTrue(
                e.stream()
                        .anyMatch(l -> l.matches(".*h\\.json:2:\\d+: \\$\\.driver: \"screen\" is not allowed "
                                + "\\(one of: agent, console\\).*")),
                e.toString());
        e = errors(
                "{\"guests\":[" + guest("a", "") + "],\"share\":\"work\",\"workload\":\"true\",\"driver\":\"console\","
                        + "\"console\":{\"prompt\":\"[#$\",\"mountPoint\":\"/mnt/../etc\",\"mountOptions\":\"trans=virtio; reboot\","
                        + "\"login\":{\"password\":\"x\",\"passwordPrompt\":\".*\"},\"prompts\":1}}");
        assertTrue(e.stream().anyMatch(l -> l.contains("$.console.prompt: not a regular expression")), e.toString());
        assertTrue(
                e.stream().anyMatch(l -> l.contains("$.console.mountPoint: \"/mnt/../etc\" is not an absolute path")),
                e.toString());
        assertTrue(
                e.stream()
                        .anyMatch(
                                l -> l.contains("$.console.mountOptions: \"trans=virtio; reboot\" is not a 9p option")),
                e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("$.console.login.user: missing required field")), e.toString());
        assertTrue(
                e.stream().anyMatch(l -> l.contains("$.console.login.passwordPrompt: /.*/ matches an empty line")),
                e.toString());
        assertTrue(e.stream().anyMatch(l -> l.contains("$.console.prompts: unknown field")), e.toString());
    }

    @Test
    void consoleSettingsWithTheAgentDriverAreRefused() throws Exception {
        List<String> e = errors("{\"guests\":[" + guest("a", "") + "],\"share\":\"work\",\"workload\":\"true\","
                + "\"console\":{\"mountPoint\":\"/tmp\"}}");
        assertTrue(
                e.stream()
                        .anyMatch(l -> l.contains("$.console: console settings apply to \"driver\": \"console\" only")),
                e.toString());
    }

    @Test
    void theConsoleDriverNeedsAConsoleAndAWorkloadShortEnoughToType() throws Exception {
        String noConsole = guest("a", "").replace("\"vmm\":\"qemu\"", "\"vmm\":\"qemu\",\"console\":\"none\"");
        List<String> e = errors("{\"guests\":[" + noConsole + "],\"share\":\"work\",\"driver\":\"console\","
                + "\"workload\":\"" + "x".repeat(ConsoleFields.MAX_TYPED_WORKLOAD + 1) + "\"}");
        assertTrue(
                e.stream().anyMatch(l -> l.contains("$.guests[0].console: guest \"a\" has \"console\": \"none\"")),
                e.toString());
        assertTrue(
                e.stream().anyMatch(l -> l.contains("$.workload: longer than 768 characters, too long to type")),
                e.toString());
    }

    @Test
    void aGuestEntryNeedsItsGuest() throws Exception {
        List<String> e = errors(
                "{\"guests\":[{\"guest\":null,\"driver\":\"console\"}],\"share\":\"work\"," + "\"workload\":\"true\"}");
        assertTrue(e.stream().anyMatch(l -> l.contains("$.guests[0].guest: expected a guest file")), e.toString());
    }
}
