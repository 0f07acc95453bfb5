package dev.vmlaunch.driver.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.driver.VmmEndpoints;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.vmm.RunLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuDriverTest {
    private final QemuDriver driver = new QemuDriver();

    @TempDir
    Path tmp;

    static GuestSpec spec(String json) {
        return GuestSpecLoader.fromJson(
                        JsonReader.parse(json, "guest.json"),
                        Path.of("/guests/guest.json"),
                        "guest.json",
                        Optional.of(Arch.X86_64),
                        VmmDrivers::rules)
                .spec();
    }

    @Test
    void aDetachedGuestIsReachedOnTheCliQmpSocketAndTheConsoleQemuServesItself() {
        RunLayout layout = new RunLayout(tmp, RunLayout.ConsoleMode.SOCKET);
        assertEquals(
                new VmmEndpoints(layout.qmpCliSocket(), null, layout.consoleSocket(), null),
                driver.endpoints(spec("{\"name\": \"g\", \"vmm\": \"qemu\"}"), layout, tmp.resolve("ignored"), false));
    }

    @Test
    void aGuestWithoutAConsoleOrInTheForegroundHasNoConsoleSocket() {
        RunLayout detached = new RunLayout(tmp, RunLayout.ConsoleMode.SOCKET);
        assertEquals(
                new VmmEndpoints(detached.qmpCliSocket(), null, null, null),
                driver.endpoints(
                        spec("{\"name\": \"g\", \"vmm\": \"qemu\", \"console\": \"none\"}"), detached, null, false));
        RunLayout fg = new RunLayout(tmp, RunLayout.ConsoleMode.STDIO);
        assertEquals(
                new VmmEndpoints(fg.qmpCliSocket(), null, null, null),
                driver.endpoints(spec("{\"name\": \"g\", \"vmm\": \"qemu\"}"), fg, null, true));
    }

    @Test
    void qemusEventsKeepTheRecordedStateSoListAsksNothing() {
        assertEquals(
                Optional.empty(),
                driver.askedState(new VmmEndpoints(tmp.resolve("none.sock"), null, null, null), Duration.ofSeconds(1)));
    }

    @Test
    void statusShowsWhatQmpSaidOrThatItDidNotAnswer() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode doc = m.createObjectNode();
        driver.queryStatus(
                new VmmEndpoints(tmp.resolve("none.sock"), null, null, null),
                Duration.ofMillis(200),
                doc,
                doc.putArray("devices"));
        assertTrue(doc.path("qmp").has("error"), doc.toString());
        assertTrue(driver.statusLine(doc).orElseThrow().startsWith("qemu says: no answer: "));
        ObjectNode running = m.createObjectNode();
        running.putObject("qmp").put("status", "running").put("running", true);
        assertEquals(Optional.of("qemu says: running (query-status)"), driver.statusLine(running));
        assertEquals(Optional.empty(), driver.statusLine(m.createObjectNode()));
    }

    @Test
    void qemuTakesHotplugAndWaitsPausedUntilPinned() {
        assertEquals(Optional.empty(), driver.hotplugRefusal());
        assertTrue(driver.pausedUntilPinned());
    }

    @Test
    void libvirtExportsQemuGuests() {
        assertEquals(Optional.empty(), driver.libvirtExportRefusal());
    }
}
