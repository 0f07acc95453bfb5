package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmlaunch.console.ConsoleTail;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class HarnessReportWriterTest {
    @TempDir
    Path dir;

    static final HostInterruptSide HOST_SIDE = new HostInterruptSide(
            3,
            2,
            12,
            List.of("msix"),
            HostInterruptSide.BOTH,
            "the host's vfio-pci handler took them (2 of 3 vfio rows moved, delta 12) and KVM injected them");

    @Test
    void theHostSideOfEachDeviceIsInEveryFace() throws Exception {
        StringWriter w = new StringWriter();
        HarnessReportWriter.json(report(), w);
        JsonNode h = new ObjectMapper()
                .readTree(w.toString())
                .get("guests")
                .get(0)
                .get("devices")
                .get(0)
                .get("hostInterrupts");
        assertEquals("both", h.get("moved").asText());
        assertEquals(3, h.get("vectors").asInt());
        assertEquals(2, h.get("fired").asInt());
        assertEquals(12, h.get("delta").asLong());
        assertEquals("msix", h.get("kinds").get(0).asText());
        assertTrue(h.get("note").asText().startsWith("the host's vfio-pci handler"));
        assertEquals(
                HOST_SIDE,
                HarnessReportReader.read(new ObjectMapper().readTree(w.toString()))
                        .guests()
                        .get(0)
                        .devices()
                        .get(0)
                        .hostInterrupts());
        assertTrue(
                new ObjectMapper()
                                .readTree(w.toString())
                                .get("guests")
                                .get(1)
                                .get("devices")
                                .get(0)
                                .get("hostInterrupts")
                        == null,
                "a device without a host side has no field");

        StringWriter t = new StringWriter();
        HarnessReportWriter.table(report(), new PrintWriter(t));
        assertTrue(t.toString().lines().findFirst().orElse("").contains("DELTA  HOST SIDE  RESULT"), t.toString());
        assertTrue(t.toString().contains("both 12"), t.toString());
        assertTrue(
                t.toString().contains("virt1: 0000:00:03.0 host side: the host's vfio-pci handler took them"),
                t.toString());

        java.io.ByteArrayOutputStream x = new java.io.ByteArrayOutputStream();
        HarnessReportWriter.junit(report(), x);
        assertTrue(
                x.toString(java.nio.charset.StandardCharsets.UTF_8)
                        .contains("<system-out>host side of 0000:00:03.0: " + "the host's vfio-pci handler took them"),
                x.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    HarnessReport report() throws Exception {
        Path console = dir.resolve("virt2.log");
        Files.writeString(console, "boot \u001b[0m ok <&>\n");
        return new HarnessReport(
                "smmute-pair",
                false,
                List.of(
                        new HarnessReport.GuestResult(
                                "virt1",
                                true,
                                null,
                                List.of(new HarnessReport.DeviceResult(
                                                "0000:00:03.0",
                                                "0000:00:02.0",
                                                "8086:10d3",
                                                "IR-PCI-MSI",
                                                3,
                                                2,
                                                14,
                                                true,
                                                null)
                                        .withHostInterrupts(HOST_SIDE)),
                                new HarnessReport.Workload(0, "ok\n", Duration.ofSeconds(3)),
                                dir.resolve("virt1.log")),
                        new HarnessReport.GuestResult(
                                "virt2",
                                false,
                                null,
                                List.of(new HarnessReport.DeviceResult(
                                        "0000:00:04.0",
                                        "0000:00:02.0",
                                        "8086:10d3",
                                        "IR-PCI-MSI",
                                        3,
                                        0,
                                        0,
                                        false,
                                        "0 of 3 vectors fired, expected at least 1")),
                                new HarnessReport.Workload(0, "", Duration.ofSeconds(3)),
                                console),
                        new HarnessReport.GuestResult(
                                "virt3",
                                false,
                                "guest ended before its agent announced itself: exited with status 1",
                                List.of(),
                                null,
                                null)),
                Duration.ofSeconds(95));
    }

    @Test
    void jsonHasTheDocumentedShape() throws Exception {
        StringWriter w = new StringWriter();
        HarnessReportWriter.json(report(), w);
        JsonNode j = new ObjectMapper().readTree(w.toString());
        assertFalse(j.get("passed").asBoolean());
        JsonNode v1 = j.get("guests").get(0);
        assertEquals("virt1", v1.get("name").asText());
        assertTrue(v1.get("passed").asBoolean());
        JsonNode d = v1.get("devices").get(0);
        assertEquals("0000:00:03.0", d.get("host").asText());
        assertEquals("0000:00:02.0", d.get("guest").asText());
        assertEquals("IR-PCI-MSI", d.get("chip").asText());
        assertEquals(3, d.get("vectors").asInt());
        assertEquals(2, d.get("fired").asInt());
        assertEquals(14, d.get("delta").asLong());
        assertEquals(0, v1.get("workload").get("exitCode").asInt());
        assertEquals(
                "0 of 3 vectors fired, expected at least 1",
                j.get("guests").get(1).get("devices").get(0).get("failure").asText());
        assertTrue(j.get("guests").get(2).get("workload").get("exitCode").isNull());
        assertTrue(j.get("guests").get(2).get("error").asText().startsWith("guest ended before"));
    }

    @Test
    void junitHasATestcasePerGuestAndDeviceWithDeltasAndConsole() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HarnessReportWriter.junit(report(), out);
        Document doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(out.toByteArray()));
        Element suite = doc.getDocumentElement();
        assertEquals("testsuite", suite.getTagName());
        assertEquals("3", suite.getAttribute("tests"));
        assertEquals("2", suite.getAttribute("failures"));
        NodeList cases = suite.getElementsByTagName("testcase");
        assertEquals(3, cases.getLength());
        Element c2 = (Element) cases.item(1);
        assertEquals("virt2", c2.getAttribute("classname"));
        assertEquals("0000:00:04.0 as 0000:00:02.0", c2.getAttribute("name"));
        String msg = ((Element) c2.getElementsByTagName("failure").item(0)).getAttribute("message");
        assertTrue(msg.contains("vectors 3, fired 0, delta 0"), msg);
        assertEquals(
                "boot [0m ok <&>\n",
                c2.getElementsByTagName("system-out").item(0).getTextContent());
        assertEquals(
                0, ((Element) cases.item(0)).getElementsByTagName("failure").getLength());
    }

    @Test
    void tableShowsEveryDeviceAndSaysWhy() throws Exception {
        StringWriter w = new StringWriter();
        HarnessReportWriter.table(report(), new PrintWriter(w));
        String t = w.toString();
        assertTrue(t.lines().findFirst().orElse("").startsWith("GUEST  HOST DEVICE   GUEST DEVICE  CHIP"), t);
        assertTrue(t.contains("virt2: 0000:00:02.0: 0 of 3 vectors fired, expected at least 1"), t);
        assertTrue(t.contains("virt3: guest ended before its agent announced itself"), t);
        assertTrue(t.strip().endsWith("FAILED: smmute-pair, 3 guests, 2 devices in 95.0 s"), t);
    }

    @Test
    void printedJsonEndsItsLineAndLeavesTheWriterOpen() throws Exception {
        java.io.StringWriter w = new java.io.StringWriter();
        java.io.PrintWriter out = new java.io.PrintWriter(w);
        HarnessReportWriter.print(report(), true, out);
        out.print("after");
        out.flush();
        assertTrue(w.toString().endsWith("}" + System.lineSeparator() + "after"), w.toString());
    }

    @Test
    void jsonReadsBackToTheSameReport() throws Exception {
        HarnessReport r = report();
        StringWriter w = new StringWriter();
        HarnessReportWriter.json(r, w);
        HarnessReport back = HarnessReportReader.read(new ObjectMapper().readTree(w.toString()));
        assertEquals(r.passed(), back.passed());
        assertEquals(r.elapsed(), back.elapsed());
        assertEquals(r.guests().get(1).devices(), back.guests().get(1).devices());
        assertEquals(r.guests().get(2).error(), back.guests().get(2).error());
        assertEquals(
                r.guests().get(0).workload().exitCode(),
                back.guests().get(0).workload().exitCode());
    }

    private static Element only(Document doc, String guest) {
        NodeList cases = doc.getDocumentElement().getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            if (c.getAttribute("classname").equals(guest)) {
                return c;
            }
        }
        throw new AssertionError("no testcase for " + guest);
    }

    @Test
    void junitAttachesABoundedTailOfAHugeConsoleThatIsValidXml() throws Exception {
        HarnessReport report = report();
        Path console = dir.resolve("virt2.log");
        try (var out = Files.newOutputStream(console)) {
            for (int i = 0; i < 200_000; i++) {
                out.write(("line " + i + " \u001b[31m\u0007\u0000 bell\n").getBytes(StandardCharsets.UTF_8));
            }
            // Invalid UTF-8 (a lone continuation byte, a cut sequence) and a byte that decodes to nothing XML allows.
            out.write(new byte[] {'e', 'n', 'd', ' ', (byte) 0x80, (byte) 0xE2, (byte) 0x82, 0x01, '\n'});
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HarnessReportWriter.junit(report, out);
        Document doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(out.toByteArray()));
        String text =
                only(doc, "virt2").getElementsByTagName("system-out").item(0).getTextContent();
        assertTrue(
                text.startsWith("[... earlier console output left out; the whole log: " + console + "]\n"),
                text.substring(0, Math.min(100, text.length())) + "|" + text.length());
        assertTrue(text.getBytes(StandardCharsets.UTF_8).length <= ConsoleTail.MAX_BYTES + 200, "" + text.length());
        assertTrue(
                text.lines().count() <= ConsoleTail.MAX_LINES + 1,
                "" + text.lines().count());
        assertTrue(text.contains("line 199999 [31m bell\n"), "the newest lines, cleaned");
        assertTrue(text.endsWith("end \ufffd\ufffd\n"), "invalid UTF-8 shown as U+FFFD");
        assertTrue(out.size() < 4 * ConsoleTail.MAX_BYTES, "report size " + out.size());
    }

    @Test
    void consoleTailKeepsTheLastLinesAndTakesTheRestFromTheRotatedLog() throws Exception {
        Path log = dir.resolve("console.log");
        Files.writeString(dir.resolve("console.log.1"), "a\nb\nc\n");
        Files.writeString(log, "d\ne\n");
        assertEquals("a\nb\nc\nd\ne\n", ConsoleTail.read(log, 1000, 10).orElseThrow());
        assertEquals(
                "[... earlier console output left out; the whole log: " + log + "]\nc\nd\ne\n",
                ConsoleTail.read(log, 1000, 3).orElseThrow());
        assertEquals(
                "[... earlier console output left out; the whole log: " + log + "]\ne\n",
                ConsoleTail.read(log, 4, 10).orElseThrow(),
                "bytes bound it too, a cut line dropped");
    }

    @Test
    void consoleTailDoesNotFollowASymlink() throws Exception {
        Path log = dir.resolve("console.log");
        Files.createSymbolicLink(log, Path.of("/etc/passwd"));
        assertTrue(ConsoleTail.read(log).isEmpty());
    }

    @Test
    void jsonSaysWhatRanEachGuestAndWhereItsManagedDevicesWentBack() throws Exception {
        HarnessReport r = new HarnessReport(
                "lab",
                true,
                List.of(new HarnessReport.GuestResult(
                        "virt1",
                        true,
                        null,
                        List.of(
                                new HarnessReport.DeviceResult(
                                        "0000:00:05.0",
                                        "0000:00:02.0",
                                        "8086:10d3",
                                        "PCI-MSI",
                                        5,
                                        3,
                                        40,
                                        true,
                                        null,
                                        true,
                                        "e1000e"),
                                new HarnessReport.DeviceResult(
                                        "0000:00:06.0",
                                        "0000:00:03.0",
                                        "8086:10d3",
                                        "PCI-MSI",
                                        5,
                                        3,
                                        40,
                                        true,
                                        null,
                                        false,
                                        null),
                                new HarnessReport.DeviceResult(
                                        null, "0000:00:04.0", "1af4:1042", "PCI-MSI", 2, 1, 9, true, null)),
                        new HarnessReport.Workload(0, "", Duration.ofSeconds(1)),
                        null,
                        "qemu",
                        "kvm")),
                Duration.ofSeconds(9));
        StringWriter w = new StringWriter();
        HarnessReportWriter.json(r, w);
        JsonNode g = new ObjectMapper().readTree(w.toString()).get("guests").get(0);
        assertEquals("qemu", g.get("vmm").asText());
        assertEquals("kvm", g.get("accel").asText());
        JsonNode managed = g.get("devices").get(0);
        assertTrue(managed.get("managed").asBoolean());
        assertEquals("e1000e", managed.get("restoredDriver").asText());
        JsonNode unmanaged = g.get("devices").get(1);
        assertFalse(unmanaged.get("managed").asBoolean());
        assertFalse(unmanaged.has("restoredDriver"), "vmlaunch gave nothing back: " + unmanaged);
        JsonNode emulated = g.get("devices").get(2);
        assertFalse(emulated.has("managed") || emulated.has("restoredDriver"), emulated.toString());
        HarnessReport back = HarnessReportReader.read(new ObjectMapper().readTree(w.toString()));
        assertEquals(
                r.guests().get(0),
                back.guests().get(0).withRun("qemu", "kvm", back.guests().get(0).devices()));
        assertEquals(r.guests().get(0).devices(), back.guests().get(0).devices());
        assertEquals("kvm", back.guests().get(0).accel());
    }
}
