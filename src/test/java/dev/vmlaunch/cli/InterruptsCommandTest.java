package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InterruptsCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    Path guestBooted;
    Path guestUp;
    Path guestTraffic;

    @BeforeEach
    void copySamples() throws IOException {
        guestBooted = copy("x86_64-q35-guest-booted.txt");
        guestUp = copy("x86_64-q35-guest-up.txt");
        guestTraffic = copy("x86_64-q35-guest-traffic.txt");
    }

    private Path copy(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/interrupts/" + name)) {
            Path p = dir.resolve(name);
            Files.write(p, in.readAllBytes());
            return p;
        }
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void tableListsChangedRowsWithPerCpuDeltasAndASummary() {
        Run r = run("interrupts", "diff", guestUp.toString(), guestTraffic.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("IRQ +CHIP +HWIRQ +TRIGGER +NAME +DELTA +PER-CPU +NOTE"), lines.get(0));
        assertTrue(r.out().contains("25   IR-PCI-MSI  32768  edge     eth0-rx-0"), r.out());
        String rx = lines.stream().filter(l -> l.startsWith("25 ")).findFirst().orElseThrow();
        assertTrue(rx.matches(".*eth0-rx-0 +9  cpu1\\+9$"), rx);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("LOC ") && l.contains("Local timer interrupts")));
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("27 ")), "IRQ 27 did not move: " + r.out());
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("NMI ")));
        assertEquals(
                "7 rows changed, total delta " + (521 + 9 + 11 + 55 + 83 + 1 + 2 + 25 + 8 + 1),
                lines.get(lines.size() - 1));
        assertEquals("", r.err());
    }

    @Test
    void allShowsUnchangedRowsAndNewRowsAreMarked() {
        Run r = run("interrupts", "diff", "--all", guestBooted.toString(), guestUp.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("NMI ") && l.contains(" 0  -")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("27 .* eth0 +1  cpu1\\+1 +new")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ERR ")), r.out());
    }

    @Test
    void jsonHasTheHarnessShape() throws IOException {
        Run r = run(
                "interrupts",
                "diff",
                "--json",
                "--device",
                "0000:00:00.0",
                write(
                                "b",
                                """
                                   CPU0       CPU1       CPU2       CPU3
                         20:          0          0          0          0   ITS-MSI   0 Edge      0000:00:00.0
                         21:          0          0          0          0   ITS-MSI   1 Edge      0000:00:00.0
                         30:          5          0          0          0   GICv3  79 Level     virtio0
                        IPI0:        10         10         10         10       Rescheduling interrupts
                        """)
                        .toString(),
                write(
                                "a",
                                """
                                   CPU0       CPU1       CPU2       CPU3
                         20:          1          0          0          0   ITS-MSI   0 Edge      0000:00:00.0
                         21:          0          0          0          0   ITS-MSI   1 Edge      0000:00:00.0
                         30:          9          0          0          0   GICv3  79 Level     virtio0
                        IPI0:        12         10         10         10       Rescheduling interrupts
                        """)
                        .toString());
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(
                new ObjectMapper()
                        .readTree(
                                """
                {"irqs":[{"irq":"20","chip":"ITS-MSI","hwirq":"0","trigger":"Edge","name":"0000:00:00.0",
                          "counts":[1,0,0,0],"delta":1},
                         {"irq":"21","chip":"ITS-MSI","hwirq":"1","trigger":"Edge","name":"0000:00:00.0",
                          "counts":[0,0,0,0],"delta":0}],
                 "vanished":[],"cpus":[0,1,2,3],"cpusAdded":[],"cpusRemoved":[],
                 "device":{"name":"0000:00:00.0","vectors":2,"fired":1}}
                """),
                root);
        List<String> keys = new ArrayList<>();
        root.get("irqs").get(0).fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("irq", "chip", "hwirq", "trigger", "name", "counts", "delta"), keys);
    }

    @Test
    void jsonOfNamedSingleAndVanishedRowsUsesNullsAndBeforeCounts() throws IOException {
        Run r = run(
                "interrupts",
                "diff",
                "--json",
                "--all",
                write("b", "   CPU0 CPU1\n 30: 1 0  IR-PCI-MSI 1048576-edge eth0-rx-0\nERR: 0\n")
                        .toString(),
                write("a", "   CPU0 CPU1\nERR: 2\n").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        JsonNode err = root.get("irqs").get(0);
        assertEquals("ERR", err.get("irq").asText());
        assertTrue(err.get("chip").isNull()
                && err.get("hwirq").isNull()
                && err.get("name").isNull());
        assertEquals(2, err.get("delta").asLong());
        assertEquals(1, err.get("counts").size());
        JsonNode gone = root.get("vanished").get(0);
        assertEquals("30", gone.get("irq").asText());
        assertEquals("[1,0]", gone.get("counts").toString());
        assertFalse(gone.has("delta"));
    }

    @Test
    void deviceSelectsByInterfaceNameAndResetsAreReportedNotHidden() throws IOException {
        Run r = run(
                "interrupts",
                "diff",
                "--device",
                "eth0",
                write("b", "   CPU0\n 25: 100  IR-PCI-MSI 32768-edge eth0-rx-0\n 28: 7  IR-PCI-MSI 9-edge veth0\n")
                        .toString(),
                write("a", "   CPU0\n 25: 40  IR-PCI-MSI 32768-edge eth0-rx-0\n 28: 9  IR-PCI-MSI 9-edge veth0\n")
                        .toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("25 .* eth0-rx-0 +-60  cpu0-60  RESET")), r.out());
        assertFalse(r.out().contains("veth0"), r.out());
        assertTrue(r.out().contains("warning: counters went backwards for IRQ 25"), r.out());
        assertTrue(r.out().endsWith("0 of 1 vector fired, total delta -60\n"), r.out());
    }

    @Test
    void deviceListsEveryVectorIncludingThoseThatNeverFired() throws IOException {
        // Arm's SMMU test engine guide's table: eight ITS-MSI vectors of one device, vector 7 never fired.
        StringBuilder b = new StringBuilder("   CPU0 CPU1\n");
        StringBuilder a = new StringBuilder("   CPU0 CPU1\n");
        for (int v = 0; v < 8; v++) {
            b.append(' ').append(20 + v).append(": 0 0  ITS-MSI ").append(v).append(" Edge 0000:00:00.0\n");
            a.append(' ')
                    .append(20 + v)
                    .append(": ")
                    .append(v == 7 ? 0 : 1)
                    .append(" 0  ITS-MSI ")
                    .append(v)
                    .append(" Edge 0000:00:00.0\n");
        }
        b.append(" 40: 3 0  GICv3 79 Level virtio0\n");
        a.append(" 40: 9 0  GICv3 79 Level virtio0\n");
        String before = write("b", b.toString()).toString();
        String after = write("a", a.toString()).toString();

        Run r = run("interrupts", "diff", "--device", "0000:00:00.0", before, after);
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.matches("27 +ITS-MSI +7 +Edge +0000:00:00.0 +0 +- *")), r.out());
        assertFalse(r.out().contains("virtio0"), r.out());
        assertEquals("7 of 8 vectors fired, total delta 7", lines.get(lines.size() - 1));

        Run changed = run("interrupts", "diff", "--device", "0000:00:00.0", "--changed", before, after);
        assertEquals(0, changed.code(), changed.err());
        assertFalse(changed.out().lines().anyMatch(l -> l.startsWith("27 ")), changed.out());
        assertTrue(changed.out().endsWith("7 of 8 vectors fired, total delta 7\n"), changed.out());
    }

    @Test
    void changedWithoutDeviceOrWithAllIsAUsageError() {
        Run r = run("interrupts", "diff", "--changed", guestUp.toString(), guestTraffic.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--changed needs --device"), r.err());
        Run both = run(
                "interrupts",
                "diff",
                "--device",
                "eth0",
                "--all",
                "--changed",
                guestUp.toString(),
                guestTraffic.toString());
        assertEquals(2, both.code());
    }

    @Test
    void vanishedRowsAndHotplugAreNoted() throws IOException {
        Run r = run(
                "interrupts",
                "diff",
                write("b", "   CPU0 CPU1\n 20: 1 1  ITS-MSI 0 Edge 0000:00:00.0\n 21: 3 0  ITS-MSI 1 Edge x\n")
                        .toString(),
                write("a", "   CPU0 CPU2\n 20: 2 5  ITS-MSI 0 Edge 0000:00:00.0\n")
                        .toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("vanished: IRQ 21 ITS-MSI 1 Edge x (in BEFORE only"), r.out());
        assertTrue(r.out().contains("note: CPU 2 came online"), r.out());
        assertTrue(r.out().contains("note: CPU 1 went offline"), r.out());
        assertTrue(r.out().contains("cpu0+1 cpu2+5"), r.out());
        assertTrue(r.out().endsWith("1 row changed, total delta 6, 1 vanished\n"), r.out());
    }

    @Test
    void noChangeSaysSo() {
        Run r = run("interrupts", "diff", guestUp.toString(), guestUp.toString());
        assertEquals(0, r.code());
        assertEquals("no rows changed, total delta 0\n", r.out());
    }

    @Test
    void anUnknownDeviceIsNotedOnStderr() {
        Run r = run("interrupts", "diff", "--device", "eth9", guestUp.toString(), guestTraffic.toString());
        assertEquals(0, r.code());
        assertEquals("vmlaunch: note: no interrupt row names device 'eth9'\n", r.err());
    }

    @Test
    void anUnparsableFileIsOneLineWithFileAndLineAndExitTwo() throws IOException {
        Path bad = write("bad.txt", "           CPU0       CPU1\n 20:   1   ITS-MSI 0 Edge x\n");
        Run r = run("interrupts", "diff", guestUp.toString(), bad.toString());
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(
                r.err().startsWith("vmlaunch: " + bad + ":2: IRQ 20 has 1 count but the header lists 2 CPUs"), r.err());
    }

    @Test
    void aMissingFileIsExitTwo() {
        Path missing = dir.resolve("nope.txt");
        Run r = run("interrupts", "diff", missing.toString(), guestUp.toString());
        assertEquals(2, r.code());
        assertEquals("vmlaunch: " + missing + ": no such file\n", r.err());
        Run d = run("interrupts", "diff", dir.toString(), guestUp.toString());
        assertEquals(2, d.code());
        assertTrue(d.err().startsWith("vmlaunch: " + dir + ": cannot read"), d.err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run("interrupts").code());
        assertEquals(2, run("interrupts", "diff", guestUp.toString()).code());
        assertEquals(
                2,
                run("interrupts", "diff", "--bogus", guestUp.toString(), guestUp.toString())
                        .code());
        Run help = run("interrupts", "diff", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--device=NAME"), help.out());
        assertTrue(List.of(help.out().split("\\s+")).contains("--all"), help.out());
    }
}
