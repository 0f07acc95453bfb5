package dev.vmlaunch.driver.lkvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.driver.VmmEndpoints;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.lkvm.FakeLkvmServer;
import dev.vmlaunch.vmm.RunLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LkvmDriverTest {
    private static final Duration T = Duration.ofSeconds(5);
    private final LkvmDriver driver = new LkvmDriver();

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
    void aDetachedGuestIsReachedOnItsIpcSocketAndTheConsoleTheSupervisorServesWhereStopTypesItsCommand() {
        GuestSpec g = spec("{\"name\": \"g\", \"vmm\": \"lkvm\", \"stop\": {\"consoleCommand\": \"halt -p\"}}");
        Path ipc = tmp.resolve("g.sock");
        RunLayout layout = new RunLayout(tmp, RunLayout.ConsoleMode.SOCKET);
        VmmEndpoints e = driver.endpoints(g, layout, ipc, false);
        assertEquals(new VmmEndpoints(null, ipc, layout.consoleSocket(), "halt -p"), e);
        assertEquals(
                "poweroff",
                driver.endpoints(spec("{\"name\": \"g\", \"vmm\": \"lkvm\"}"), layout, ipc, false)
                        .stopConsoleCommand());
    }

    @Test
    void aForegroundGuestKeepsTheTerminalSoThereIsNoConsoleSocketAndNoConsoleStop() {
        GuestSpec g = spec("{\"name\": \"g\", \"vmm\": \"lkvm\"}");
        Path ipc = tmp.resolve("g.sock");
        VmmEndpoints e = driver.endpoints(g, new RunLayout(tmp, RunLayout.ConsoleMode.STDIO), ipc, true);
        assertEquals(new VmmEndpoints(null, ipc, null, null), e);
    }

    @Test
    @SuppressWarnings("try") // the fake kvmtool only has to be listening for the block
    void pauseAndResumeAreIpcRequestsAnsweredByVmstateAndListAsksVmstateToo() throws Exception {
        Path sock = tmp.resolve("g.sock");
        VmmEndpoints at = new VmmEndpoints(null, sock, null, null);
        try (FakeLkvmServer kvmtool = FakeLkvmServer.start(sock, 4242)) {
            assertEquals(Optional.of("running"), driver.askedState(at, T));
            assertEquals("paused", driver.pauseOrResume(at, true, T));
            assertEquals(Optional.of("paused"), driver.askedState(at, T));
            assertEquals("running", driver.pauseOrResume(at, false, T));
        }
        assertEquals(Optional.empty(), driver.askedState(at, Duration.ofMillis(200)), "no answer: no claim");
    }

    @Test
    @SuppressWarnings("try") // the fake kvmtool only has to be listening for the block
    void statusShowsKvmtoolsPidAndVmstateAndAPausedVmstateMakesTheStatePaused() throws Exception {
        Path sock = tmp.resolve("g.sock");
        VmmEndpoints at = new VmmEndpoints(null, sock, null, null);
        ObjectMapper m = new ObjectMapper();
        try (FakeLkvmServer kvmtool = FakeLkvmServer.start(sock, 4242)) {
            driver.pauseOrResume(at, true, T);
            ObjectNode doc = m.createObjectNode().put("state", "running");
            driver.queryStatus(at, T, doc, doc.putArray("devices"));
            assertEquals(4242, doc.path("lkvm").path("pid").asLong());
            assertEquals("paused", doc.path("state").asText());
            assertEquals(Optional.of("lkvm says: paused, pid 4242"), driver.statusLine(doc));
        }
        ObjectNode gone = m.createObjectNode().put("state", "running");
        driver.queryStatus(at, Duration.ofMillis(200), gone, gone.putArray("devices"));
        assertEquals("running", gone.path("state").asText());
        assertTrue(driver.statusLine(gone).orElseThrow().startsWith("lkvm says: no answer: "));
        assertEquals(Optional.empty(), driver.statusLine(m.createObjectNode()));
    }

    @Test
    void kvmtoolHasNoHotplugAndCannotStartPausedForPinning() {
        assertEquals(Optional.of("runs on kvmtool, which has no PCI hotplug"), driver.hotplugRefusal());
        assertEquals(false, driver.pausedUntilPinned());
        GuestSpec pinned = spec("{\"name\": \"g\", \"vmm\": \"lkvm\", \"cpus\": 1, \"vcpuPin\": {\"0\": \"0\"}}");
        assertEquals("; kvm-vcpu-N threads pinned as they appear", driver.pinningNote(pinned.affinity()));
        assertEquals(
                "",
                driver.pinningNote(spec("{\"name\": \"g\", \"vmm\": \"lkvm\", \"cpuAffinity\": \"0\"}")
                        .affinity()));
        assertNull(driver.endpoints(pinned, new RunLayout(tmp, RunLayout.ConsoleMode.STDIO), null, true)
                .qmpCliSocket());
    }

    @Test
    void libvirtCannotRunAKvmtoolGuest() {
        assertEquals(
                Optional.of(
                        "libvirt runs qemu guests only; this guest uses \"vmm\": \"lkvm\" (kvmtool has no libvirt driver)"),
                driver.libvirtExportRefusal());
    }
}
