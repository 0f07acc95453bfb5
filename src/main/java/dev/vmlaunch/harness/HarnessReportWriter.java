package dev.vmlaunch.harness;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vmlaunch.console.ConsoleTail;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/** The three faces of a {@link HarnessReport}: a terminal table, JSON, and JUnit XML for CI systems. */
public final class HarnessReportWriter {
    private HarnessReportWriter() {}

    /** The report as a terminal table, or as JSON. */
    public static void print(HarnessReport r, boolean json, PrintWriter out) throws IOException {
        if (json) {
            json(r, out);
            out.println();
        } else {
            table(r, out);
        }
        out.flush();
    }

    public static void table(HarnessReport r, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {
            "GUEST", "HOST DEVICE", "GUEST DEVICE", "CHIP", "VECTORS", "FIRED", "DELTA", "HOST SIDE", "RESULT"
        });
        for (HarnessReport.GuestResult g : r.guests()) {
            if (g.devices().isEmpty()) {
                rows.add(new String[] {g.name(), "-", "-", "-", "-", "-", "-", "-", "FAIL"});
            }
            for (HarnessReport.DeviceResult d : g.devices()) {
                rows.add(new String[] {
                    g.name(),
                    d.host() == null ? "(emulated " + d.vendorDevice() + ")" : d.host(),
                    d.guest() == null ? "-" : d.guest(),
                    d.chip() == null ? "-" : d.chip(),
                    Integer.toString(d.vectors()),
                    Integer.toString(d.fired()),
                    Long.toString(d.delta()),
                    d.hostInterrupts() == null ? "-" : d.hostInterrupts().cell(),
                    d.passed() ? "pass" : "FAIL"
                });
            }
        }
        int[] w = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                w[i] = Math.max(w[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                sb.append(String.format("%-" + w[i] + "s", row[i]));
                if (i < row.length - 1) {
                    sb.append("  ");
                }
            }
            out.println(sb.toString().stripTrailing());
        }
        for (HarnessReport.GuestResult g : r.guests()) {
            if (g.workload() != null) {
                out.println(g.name() + ": workload "
                        + (g.workload().exitCode() == null
                                ? "did not finish"
                                : "exited " + g.workload().exitCode()) + " ("
                        + seconds(g.workload().elapsed().toMillis()) + ")");
            }
            if (g.error() != null) {
                out.println(g.name() + ": " + g.error());
            }
            for (HarnessReport.DeviceResult d : g.devices()) {
                if (d.failure() != null) {
                    out.println(g.name() + ": " + (d.guest() != null ? d.guest() : d.host()) + ": " + d.failure());
                }
                if (d.hostInterrupts() != null) {
                    out.println(g.name() + ": " + d.host() + " host side: "
                            + d.hostInterrupts().note());
                }
            }
            if (!g.passed() && g.consoleLog() != null) {
                out.println(g.name() + ": console log " + g.consoleLog());
            }
        }
        long devices = r.guests().stream().mapToLong(g -> g.devices().size()).sum();
        out.println((r.passed() ? "PASSED" : "FAILED") + ": " + r.name() + ", "
                + r.guests().size() + " guest"
                + (r.guests().size() == 1 ? "" : "s") + ", " + devices + " device" + (devices == 1 ? "" : "s") + " in "
                + seconds(r.elapsed().toMillis()));
        out.flush();
    }

    /**
     * {"passed":..,"guests":[{"name","passed","vmm","accel","devices":[{"host","guest","chip","vectors","fired","delta",
     * "managed","restoredDriver"}],"workload":{"exitCode"}}]}; docs/harness-json.md has every field.
     */
    public static void json(HarnessReport r, Writer out) throws IOException {
        try (JsonGenerator g = dev.vmlaunch.state.JsonRecords.generator(out)) {
            g.writeStartObject();
            g.writeStringField("name", r.name());
            g.writeBooleanField("passed", r.passed());
            g.writeNumberField("elapsedMs", r.elapsed().toMillis());
            g.writeArrayFieldStart("guests");
            for (HarnessReport.GuestResult gr : r.guests()) {
                g.writeStartObject();
                g.writeStringField("name", gr.name());
                g.writeBooleanField("passed", gr.passed());
                if (gr.error() != null) {
                    g.writeStringField("error", gr.error());
                }
                if (gr.vmm() != null) {
                    g.writeStringField("vmm", gr.vmm());
                }
                if (gr.accel() != null) {
                    g.writeStringField("accel", gr.accel());
                }
                g.writeArrayFieldStart("devices");
                for (HarnessReport.DeviceResult d : gr.devices()) {
                    g.writeStartObject();
                    g.writeStringField("host", d.host());
                    g.writeStringField("guest", d.guest());
                    if (d.vendorDevice() != null) {
                        g.writeStringField("vendorDevice", d.vendorDevice());
                    }
                    g.writeStringField("chip", d.chip());
                    g.writeNumberField("vectors", d.vectors());
                    g.writeNumberField("fired", d.fired());
                    g.writeNumberField("delta", d.delta());
                    g.writeBooleanField("passed", d.passed());
                    if (d.failure() != null) {
                        g.writeStringField("failure", d.failure());
                    }
                    if (d.hostInterrupts() != null) {
                        hostInterrupts(g, d.hostInterrupts());
                    }
                    if (d.managed() != null) {
                        g.writeBooleanField("managed", d.managed());
                        if (d.managed()) {
                            g.writeStringField("restoredDriver", d.restoredDriver());
                        }
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeObjectFieldStart("workload");
                if (gr.workload() == null || gr.workload().exitCode() == null) {
                    g.writeNullField("exitCode");
                } else {
                    g.writeNumberField("exitCode", gr.workload().exitCode());
                    g.writeNumberField("elapsedMs", gr.workload().elapsed().toMillis());
                }
                g.writeEndObject();
                if (gr.consoleLog() != null) {
                    g.writeStringField("consoleLog", gr.consoleLog().toString());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void hostInterrupts(JsonGenerator g, HostInterruptSide h) throws IOException {
        g.writeObjectFieldStart("hostInterrupts");
        if (h.moved() == null) {
            g.writeNullField("moved");
        } else {
            g.writeStringField("moved", h.moved());
            g.writeNumberField("vectors", h.vectors());
            g.writeNumberField("fired", h.fired());
            g.writeNumberField("delta", h.delta());
            g.writeArrayFieldStart("kinds");
            for (String k : h.kinds()) {
                g.writeString(k);
            }
            g.writeEndArray();
        }
        g.writeStringField("note", h.note());
        g.writeEndObject();
    }

    /** One testcase per guest and device (or per guest when it has none), failures with their deltas, console attached. */
    public static void junit(HarnessReport r, OutputStream out) throws IOException {
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            int tests = 0;
            int failures = 0;
            for (HarnessReport.GuestResult g : r.guests()) {
                int n = Math.max(1, g.devices().size());
                tests += n;
                failures += g.devices().isEmpty()
                        ? 1
                        : (int) g.devices().stream()
                                .filter(d -> !d.passed() || !g.passed())
                                .count();
            }
            x.writeStartElement("testsuite");
            x.writeAttribute("name", "vmlaunch." + r.name());
            x.writeAttribute("tests", Integer.toString(tests));
            x.writeAttribute("failures", Integer.toString(failures));
            x.writeAttribute("errors", "0");
            x.writeAttribute("time", seconds(r.elapsed().toMillis()).replace(" s", ""));
            x.writeCharacters("\n");
            for (HarnessReport.GuestResult g : r.guests()) {
                String console = readConsole(g);
                if (g.devices().isEmpty()) {
                    testcase(x, g.name(), "boot", g.error() == null ? "no device was judged" : g.error(), console);
                }
                for (HarnessReport.DeviceResult d : g.devices()) {
                    String name = (d.host() != null ? d.host() : "emulated " + d.vendorDevice())
                            + (d.guest() != null ? " as " + d.guest() : "");
                    String failure = d.failure();
                    if (failure == null && !g.passed()) {
                        failure = g.error() != null ? g.error() : "the guest failed";
                    }
                    HostInterruptSide h = d.hostInterrupts();
                    if (failure != null) {
                        failure = failure + " [chip " + d.chip() + ", vectors " + d.vectors() + ", fired " + d.fired()
                                + ", delta " + d.delta() + (h == null ? "" : ", host side " + h.cell()) + "]";
                    }
                    // The host side is a fact about the run, pass or fail: first in the testcase's output.
                    String caseOut = h == null
                            ? console
                            : "host side of " + d.host() + ": " + h.note() + "\n" + (console == null ? "" : console);
                    testcase(x, g.name(), name, failure, caseOut);
                }
            }
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.flush();
        } catch (XMLStreamException e) {
            throw new IOException(e);
        }
    }

    private static void testcase(XMLStreamWriter x, String cls, String name, String failure, String console)
            throws XMLStreamException {
        x.writeCharacters("  ");
        x.writeStartElement("testcase");
        x.writeAttribute("classname", ConsoleTail.xmlSafe(cls));
        x.writeAttribute("name", ConsoleTail.xmlSafe(name));
        if (failure != null) {
            x.writeStartElement("failure");
            x.writeAttribute("message", ConsoleTail.xmlSafe(failure));
            x.writeCharacters(ConsoleTail.xmlSafe(failure));
            x.writeEndElement();
        }
        if (console != null) {
            x.writeStartElement("system-out");
            x.writeCharacters(console);
            x.writeEndElement();
        }
        x.writeEndElement();
        x.writeCharacters("\n");
    }

    /** A bounded, XML-safe tail (ConsoleTail): a guest decides how much its console holds and what bytes. */
    private static String readConsole(HarnessReport.GuestResult g) {
        return g.consoleLog() == null ? null : ConsoleTail.read(g.consoleLog()).orElse(null);
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
