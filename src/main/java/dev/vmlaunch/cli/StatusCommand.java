package dev.vmlaunch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.affinity.AffinityReadBack;
import dev.vmlaunch.affinity.ProcTasks;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.AffinityStep;
import dev.vmlaunch.supervise.AttachedDevices;
import dev.vmlaunch.supervise.AttachedDevicesFile;
import dev.vmlaunch.supervise.EventLog;
import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.RecordedGuests;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Show one guest: its recorded state, what QEMU says (QMP query-status) or kvmtool says (VMSTATE), "
                    + "where its passthrough devices sit inside the guest (QMP query-pci), and its recent events.",
            "Exit status: 0 when the guest is known, 2 when there is no such guest."
        })
public final class StatusCommand implements Callable<Integer> {
    private static final int RECENT_EVENTS = 10;

    @Parameters(paramLabel = "NAME", description = "The guest.")
    String name;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Option(
            names = {"-t", "--timeout"},
            paramLabel = "SECONDS",
            defaultValue = "5",
            description = "How long QEMU or kvmtool may take to answer (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path root = StateRoot.resolve();
        RecordedGuests.Record r = RecordedGuests.find(root, name)
                .orElseThrow(
                        () -> VmlaunchException.usage("no guest named \"" + name + "\" (see 'vmlaunch list --all')"));
        ObjectNode doc = JsonMappers.object();
        doc.put("name", name);
        if (r.isBroken()) {
            doc.put("state", "broken");
            doc.put("error", r.broken());
            print(out, doc);
            return ExitCodes.OK;
        }
        GuestState s = r.state();
        doc.put("vmm", s.vmm());
        doc.put("pid", s.pid());
        doc.put("supervisorPid", s.supervisorPid());
        doc.put("supervised", r.supervisorAlive());
        doc.put("state", r.shown().json());
        doc.put("since", s.since());
        doc.put("startedAt", s.startedAt());
        if (r.exit() != null && r.shown().ended()) {
            doc.set("exit", JsonMappers.mapper().valueToTree(r.exit()));
        }
        ArrayNode devices = doc.putArray("devices");
        s.devices().forEach(d -> devices.addObject()
                .put("host", d)
                .put("managed", s.managedDevices().contains(d)));
        if (r.vmmAlive()) {
            for (AttachedDevices.Attached a :
                    AttachedDevicesFile.readQuietly(r.dir()).attached()) {
                ObjectNode d = devices.addObject()
                        .put("host", a.host())
                        .put("managed", a.managed())
                        .put("attached", true)
                        .put("slot", a.slot())
                        .put("attachedAt", a.at());
                if (Boolean.TRUE.equals(a.unplugRequested())) {
                    d.put("unplugRequested", true);
                }
            }
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        if (r.vmmAlive()) {
            s.driver().queryStatus(s.endpoints(), timeout, doc, devices);
        }
        if (r.vmmAlive() && s.pid() != null) {
            AffinityStep.recorded(r.dir())
                    .ifPresent(rec -> doc.set(
                            "affinity",
                            JsonMappers.mapper()
                                    .valueToTree(AffinityReadBack.again(
                                            new ProcTasks(HostRoots.KERNEL.proc()), s.pid(), rec))));
        }
        if (s.consoleSocket() != null && r.vmmAlive()) {
            doc.put("console", s.consoleSocket());
        }
        doc.put("consoleLog", r.dir().consoleLog().toString());
        ArrayNode ev = doc.putArray("events");
        for (EventLog.Entry e : EventLog.tail(r.dir().eventsFile(), RECENT_EVENTS)) {
            ev.addObject()
                    .put("ts", e.ts())
                    .put("event", e.event())
                    .put("source", e.source())
                    .set("data", e.data());
        }
        print(out, doc);
        return ExitCodes.OK;
    }

    private void print(PrintWriter out, ObjectNode doc) throws Exception {
        if (json) {
            out.println(JsonMappers.pretty().writeValueAsString(doc));
        } else {
            printText(out, doc);
        }
        out.flush();
    }

    private static String describeAffinity(JsonNode a) {
        try {
            return JsonMappers.mapper()
                    .treeToValue(a, dev.vmlaunch.affinity.AppliedAffinity.class)
                    .describe();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return a.toString();
        }
    }

    private static void printText(PrintWriter out, ObjectNode d) {
        out.println("name:      " + d.path("name").asText());
        if (d.has("error")) {
            out.println("state:     broken: " + d.path("error").asText());
            return;
        }
        String state = d.path("state").asText();
        Optional<String> says = VmmDrivers.named(d.path("vmm").asText()).flatMap(v -> v.statusLine(d));
        boolean live = says.isPresent() || state.equals("running") || state.equals("paused");
        out.println("state:     " + state + " since " + d.path("since").asText()
                + (live ? " (up " + Durations.since(d.path("startedAt").asText(null), Instant.now()) + ")" : ""));
        if (d.has("exit")) {
            out.println("ended:     " + d.path("exit").path("how").asText() + ": "
                    + d.path("exit").path("detail").asText());
        }
        out.println("vmm:       " + d.path("vmm").asText()
                + (d.path("pid").isNull() ? "" : " pid " + d.path("pid").asLong())
                + ", supervisor pid " + d.path("supervisorPid").asLong()
                + (d.path("supervised").asBoolean() ? "" : " (not running)"));
        says.ifPresent(out::println);
        if (d.has("affinity")) {
            out.println("affinity:  " + describeAffinity(d.path("affinity")));
        }
        List<String> devs = new java.util.ArrayList<>();
        for (JsonNode dev : d.path("devices")) {
            devs.add(dev.path("host").asText("?")
                    + (dev.has("guest") ? " -> guest " + dev.path("guest").asText() : "")
                    + (dev.path("managed").asBoolean() ? " (managed)" : "")
                    + (dev.path("attached").asBoolean()
                            ? " (attached in " + dev.path("slot").asText() + ")"
                            : "")
                    + (dev.path("unplugRequested").asBoolean() ? " (unplug requested, not released yet)" : ""));
        }
        out.println("devices:   " + (devs.isEmpty() ? "none" : String.join(", ", devs)));
        JsonNode hs = d.path("qmp").path("hotplugSlots");
        if (hs.isArray() && hs.size() > 0) {
            long free = 0;
            for (JsonNode sl : hs) {
                free += sl.path("free").asBoolean() ? 1 : 0;
            }
            out.println("hotplug:   " + free + " of " + hs.size() + " slots free");
        }
        if (d.has("console")) {
            out.println("console:   vmlaunch console " + d.path("name").asText() + " ("
                    + d.path("console").asText() + ")");
        }
        out.println("log:       " + d.path("consoleLog").asText());
        out.println("events:");
        for (JsonNode e : d.path("events")) {
            JsonNode data = e.path("data");
            out.println(
                    "  " + e.path("ts").asText() + " " + e.path("event").asText() + (data.isEmpty() ? "" : " " + data));
        }
    }
}
