package dev.vmlaunch.driver.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Console;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Vmm;
import dev.vmlaunch.config.VmmRules;
import dev.vmlaunch.driver.StopPolicy;
import dev.vmlaunch.driver.VmmDriver;
import dev.vmlaunch.driver.VmmEndpoints;
import dev.vmlaunch.driver.VmmSession;
import dev.vmlaunch.host.VmmHostProfile;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpStatus;
import dev.vmlaunch.vmm.QemuCommand;
import dev.vmlaunch.vmm.RootPortReserve;
import dev.vmlaunch.vmm.RunLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** QEMU: argv from {@link QemuCommand}, QMP for readiness, events, stop, pause and status. */
public final class QemuDriver implements VmmDriver {
    private static final VmmRules RULES = new QemuRules();
    private static final VmmHostProfile HOST_PROFILE = new QemuHostProfile();

    @Override
    public Vmm vmm() {
        return Vmm.QEMU;
    }

    @Override
    public VmmRules rules() {
        return RULES;
    }

    @Override
    public VmmHostProfile hostProfile() {
        return HOST_PROFILE;
    }

    @Override
    public List<String> argv(GuestSpec spec, RunLayout layout, RootPortReserve reserve) {
        return new QemuCommand(reserve).argv(spec, layout);
    }

    /** Detached, qemu serves the guest's console on console.sock itself (unless it has none). */
    @Override
    public VmmEndpoints endpoints(GuestSpec spec, RunLayout layout, Path ipcSocket, boolean foreground) {
        boolean socketConsole = !foreground && spec.console() != Console.NONE;
        return new VmmEndpoints(layout.qmpCliSocket(), null, socketConsole ? layout.consoleSocket() : null, null);
    }

    /** qemu starts with -S when pinned: it runs once QemuPinning has pinned its vCPU threads (QMP cont). */
    @Override
    public boolean pausedUntilPinned() {
        return true;
    }

    @Override
    public String pinningNote(dev.vmlaunch.config.Affinity affinity) {
        return "; -S: paused until pinned, then QMP cont";
    }

    @Override
    public VmmSession session(VmmSession.Context context) {
        return new QemuSession(context);
    }

    /** The power button, then quit, over the CLI QMP socket. */
    @Override
    public StopPolicy stopPolicy(VmmEndpoints at, boolean force) {
        return QemuStopPolicy.of(at.qmpCliSocket(), force);
    }

    /** QMP stop/cont, then query-status (the supervisor hears the STOP/RESUME events and records "paused"). */
    @Override
    public String pauseOrResume(VmmEndpoints at, boolean pause, Duration timeout) {
        Path socket = at.qmpCliSocket();
        try (QmpClient qmp = QmpClient.connect(socket, timeout)) {
            qmp.execute(pause ? "stop" : "cont", timeout);
            QmpStatus st = qmp.queryStatus(timeout);
            return st.running() ? "running" : st.status().equals("paused") ? "paused" : st.status();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw VmlaunchException.failure("interrupted");
        } catch (Exception e) {
            throw VmlaunchException.failure(
                    "QEMU did not " + (pause ? "pause" : "resume") + " (" + socket + "): " + e.getMessage());
        }
    }

    /** QEMU's events keep state.json current: nothing to ask. */
    @Override
    public Optional<String> askedState(VmmEndpoints at, Duration timeout) {
        return Optional.empty();
    }

    /** "qmp": query-status, the hotplug slots and which guest address each passed-through device has. */
    @Override
    public void queryStatus(VmmEndpoints at, Duration timeout, ObjectNode doc, ArrayNode devices) {
        ObjectNode q = doc.putObject("qmp");
        try (QmpClient qmp = QmpClient.connect(at.qmpCliSocket(), timeout)) {
            QmpStatus st = qmp.queryStatus(timeout);
            q.put("status", st.status()).put("running", st.running());
            JsonNode pci;
            try {
                pci = qmp.queryPci(timeout);
            } catch (dev.vmlaunch.qmp.QmpErrorException noPci) {
                // "-machine none" and friends have no PCI bus.
                pci = null;
            }
            List<HotplugSlots.Slot> slots = HotplugSlots.fromQueryPci(pci);
            if (!slots.isEmpty()) {
                ArrayNode hs = q.putArray("hotplugSlots");
                slots.forEach(sl -> {
                    ObjectNode o = hs.addObject().put("id", sl.id()).put("free", sl.free());
                    if (!sl.free()) {
                        o.put("holds", String.join(" ", sl.devices()));
                    }
                });
            }
            for (GuestPciAddresses.Found f : GuestPciAddresses.fromQueryPci(pci)) {
                String host = qomHost(qmp, f.id(), timeout);
                ObjectNode d = matching(devices, host);
                d.put("id", f.id()).put("guest", f.guestAddress());
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            q.put("error", String.valueOf(e.getMessage()));
        }
    }

    /** vfio-pci's "host" property says which host device a guest device is. */
    private static String qomHost(QmpClient qmp, String id, Duration timeout) {
        try {
            return qmp.execute("qom-get", Map.of("path", "/machine/peripheral/" + id, "property", "host"), timeout)
                    .asText(null);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    private static ObjectNode matching(ArrayNode devices, String host) {
        for (JsonNode d : devices) {
            if (host != null && d.path("host").asText().equals(host)) {
                return (ObjectNode) d;
            }
        }
        return devices.addObject().put("host", host);
    }

    @Override
    public Optional<String> statusLine(JsonNode doc) {
        if (!doc.has("qmp")) {
            return Optional.empty();
        }
        JsonNode q = doc.path("qmp");
        return Optional.of("qemu says: "
                + (q.has("error")
                        ? "no answer: " + q.path("error").asText()
                        : q.path("status").asText() + " (query-status)"));
    }

    @Override
    public Optional<String> libvirtExportRefusal() {
        return Optional.empty();
    }

    @Override
    public String noConsoleSocketReason() {
        return "its guest.json has \"console\": \"none\"";
    }

    @Override
    public Optional<String> hotplugRefusal() {
        return Optional.empty();
    }
}
