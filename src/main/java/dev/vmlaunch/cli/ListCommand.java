package dev.vmlaunch.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.lkvm.LkvmIpc;
import dev.vmlaunch.state.JsonRecords;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.GuestStateJson;
import dev.vmlaunch.supervise.ListedGuests;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "List guests: those vmlaunch started (checked against the processes that really run) and "
                    + "kvmtool guests started outside vmlaunch (~/.lkvm/*.sock, like `lkvm list`).",
            "STATE is running, paused, starting, stopped, crashed, or broken (its state file is unreadable).",
            "A kvmtool socket with nobody behind it is reported once and removed, as kvmtool does."
        })
public final class ListCommand implements Callable<Integer> {
    private static final Duration LKVM_TIMEOUT = Duration.ofSeconds(1);

    @Option(
            names = "--json",
            description = "{\"guests\":[{\"name\",\"pid\",\"supervisorPid\",\"vmm\",\"state\",\"since\","
                    + "\"devices\",...}]}")
    boolean json;

    @Option(
            names = {"-a", "--all"},
            description = "Also guests that have ended (stopped, crashed).")
    boolean all;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return list(spec.commandLine().getOut(), json, all);
    }

    /**
     * The command itself, for picocli's {@link #call} and for {@link FastPath}, which runs the plain command lines
     * without picocli: no picocli type in its signature, so calling it loads none.
     */
    static int list(PrintWriter out, boolean json, boolean all) throws Exception {
        List<ListedGuests.Entry> entries =
                ListedGuests.collect(StateRoot.resolve(), LkvmIpc.socketDir(System.getenv()), all, LKVM_TIMEOUT);
        if (json) {
            out.println(toJson(entries));
        } else {
            printTable(out, entries, Instant.now());
        }
        out.flush();
        return ExitCodes.OK;
    }

    static String toJson(List<ListedGuests.Entry> entries) throws Exception {
        // jackson-core's generator, not databind (a list must not load it); nulls are written as null, as the
        // ObjectNode it replaces wrote them, and the bytes are the same (ListCommandTest compares them).
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JsonRecords.generator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("guests");
            for (ListedGuests.Entry e : entries) {
                g.writeStartObject();
                g.writeStringField("name", e.name());
                JsonRecords.numberOrNull(g, "pid", e.pid());
                JsonRecords.numberOrNull(g, "supervisorPid", e.supervisorPid());
                g.writeStringField("vmm", e.vmm());
                g.writeStringField("state", e.state());
                g.writeStringField("since", e.since());
                JsonRecords.strings(g, "devices", e.devices());
                if (!e.attached().isEmpty()) {
                    JsonRecords.strings(g, "attached", e.attached());
                }
                g.writeStringField("source", e.source());
                g.writeBooleanField("supervised", e.supervised());
                g.writeStringField("startedAt", e.startedAt());
                if (e.exit() != null) {
                    g.writeFieldName("exit");
                    GuestStateJson.writeExit(g, e.exit());
                }
                if (e.note() != null) {
                    g.writeStringField("note", e.note());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toString();
    }

    /** {@code lkvm list}'s columns ("%5d %-20s %s"), then what vmlaunch adds. */
    static void printTable(PrintWriter out, List<ListedGuests.Entry> entries, Instant now) {
        out.println(String.format(
                "%7s %-20s %-5s %-8s %-8s %-14s %s", "PID", "NAME", "VMM", "STATE", "UPTIME", "DEVICES", "NOTE"));
        for (ListedGuests.Entry e : entries) {
            String pid = e.pid() == null || !e.live() ? "-" : Long.toString(e.pid());
            String up = e.live() ? Durations.since(e.startedAt(), now) : "-";
            List<String> all = new java.util.ArrayList<>(e.devices());
            // Hot-attached devices are marked: they leave with 'vmlaunch detach', the others only with the guest.
            e.attached().forEach(a -> all.add(a + "(attached)"));
            String devices = all.isEmpty() ? "-" : String.join(",", all);
            out.println(String.format(
                            "%7s %-20s %-5s %-8s %-8s %-14s %s",
                            pid,
                            e.name(),
                            e.vmm() == null ? "-" : e.vmm(),
                            e.state(),
                            up,
                            devices,
                            e.note() == null ? "" : e.note())
                    .stripTrailing());
        }
    }
}
