package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ProcInterruptsTest {

    static String resource(String name) {
        try (InputStream in = ProcInterruptsTest.class.getResourceAsStream("/interrupts/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static InterruptTable parse(String text) {
        try {
            return ProcInterrupts.parse(text);
        } catch (InterruptFormatException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    static InterruptRow row(InterruptTable t, String irq) {
        return t.row(irq).orElseThrow(() -> new AssertionError("no row " + irq));
    }

    static void assertRow(InterruptRow r, String chip, String hwirq, String trigger, String name, Long... counts) {
        assertEquals(chip, r.chip(), "chip of " + r.irq());
        assertEquals(hwirq, r.hwirq(), "hwirq of " + r.irq());
        assertEquals(trigger, r.trigger(), "trigger of " + r.irq());
        assertEquals(name, r.name(), "name of " + r.irq());
        assertEquals(List.of(counts), r.counts(), "counts of " + r.irq());
    }

    @Test
    void readsThisHostsX86TableWithPciMsixChipsAndNamedRows() {
        InterruptTable t = parse(resource("x86_64-host-before.txt"));
        assertEquals(List.of(0, 1), t.cpus());
        assertRow(row(t, "24"), "IO-APIC", "5", "edge", "ACPI:Ged", 1L, 0L);
        assertRow(row(t, "28"), "PCI-MSIX-0000:00:01.0", "0", "edge", "virtio0-config", 0L, 0L);
        assertRow(row(t, "36"), "PCI-MSIX-0000:00:02.0", "1", "edge", "virtio1-req.0", 0L, 50060L);
        assertRow(row(t, "LOC"), null, null, null, "Local timer interrupts", 19705L, 21762L);
        assertRow(row(t, "PIN"), null, null, null, "Posted-interrupt notification event", 0L, 0L);
        InterruptRow err = row(t, "ERR");
        assertFalse(err.perCpu());
        assertRow(err, null, null, null, null, 0L);
        assertTrue(row(t, "MIS").counts().size() == 1 && !row(t, "MIS").perCpu());
        assertEquals(35, t.rows().size(), "every non-header line is a row");
    }

    @Test
    void readsARealArm64VirtGuestWithItsMsiGpioChipIpisAndErr() {
        InterruptTable t = parse(resource("aarch64-virt-guest-traffic.txt"));
        assertEquals(List.of(0, 1), t.cpus());
        assertRow(row(t, "11"), "GICv3", "27", "Level", "arch_timer", 2178L, 2897L);
        assertRow(row(t, "18"), "ITS-MSI", "16384", "Edge", "eth0-rx-0", 11L, 0L);
        assertRow(row(t, "21"), "9030000.pl061", "3", "Edge", "GPIO Key Poweroff", 0L, 0L);
        assertRow(row(t, "IPI3"), null, null, null, "CPU stop (for crash dump) interrupts", 0L, 0L);
        assertRow(row(t, "Err"), null, null, null, null, 0L);
        assertEquals(16, t.rows().size());
    }

    @Test
    void readsTheSeedsArm64ItsMsiRows() {
        InterruptTable t = parse(resource("aarch64-seed-smmute.txt"));
        assertEquals(List.of(0, 1, 2, 3), t.cpus());
        assertEquals(8, t.rows().size());
        assertRow(row(t, "20"), "ITS-MSI", "0", "Edge", "0000:00:00.0", 1L, 0L, 0L, 0L);
        assertRow(row(t, "27"), "ITS-MSI", "7", "Edge", "0000:00:00.0", 0L, 0L, 0L, 0L);
        assertEquals(20, row(t, "20").number().getAsInt());
    }

    @Test
    void keepsSpacesInsideNamesAndSharedActionLists() {
        InterruptTable t = parse(
                """
                            CPU0       CPU1
                  122:          7          0  IR-PCI-MSI 1048576-edge      eth0-rx-0
                  123:          0          9  IR-PCI-MSI 1048577-edge      eth0-tx-0
                  124:          1          0  IR-PCI-MSI 32768-edge      aerdrv, PCIe PME
                   16:         33          0  IR-IO-APIC   16-fasteoi   i801_smbus, uhci_hcd:usb3
                """);
        assertRow(row(t, "122"), "IR-PCI-MSI", "1048576", "edge", "eth0-rx-0", 7L, 0L);
        assertRow(row(t, "124"), "IR-PCI-MSI", "32768", "edge", "aerdrv, PCIe PME", 1L, 0L);
        assertEquals(List.of("aerdrv", "PCIe PME"), row(t, "124").actionNames());
        assertRow(row(t, "16"), "IR-IO-APIC", "16", "fasteoi", "i801_smbus, uhci_hcd:usb3", 33L, 0L);
    }

    @Test
    void readsArm64GicTimerIpisWithDescriptionsAndErr() {
        InterruptTable t = parse(
                """
                           CPU0       CPU1
                 11:       4128       3990     GICv3  27 Level     arch_timer
                 14:          0          0     GICv3  23 Level     arm-pmu
                 47:         12          0   ITS-MSI 32768 Edge      virtio0-config
                IPI0:       201        310       Rescheduling interrupts
                IPI3:          0          0       CPU stop (for crash dump) interrupts
                IPI5:          2          1       IRQ work interrupts
                Err:          0
                """);
        assertRow(row(t, "11"), "GICv3", "27", "Level", "arch_timer", 4128L, 3990L);
        assertRow(row(t, "47"), "ITS-MSI", "32768", "Edge", "virtio0-config", 12L, 0L);
        assertRow(row(t, "IPI0"), null, null, null, "Rescheduling interrupts", 201L, 310L);
        assertRow(row(t, "IPI3"), null, null, null, "CPU stop (for crash dump) interrupts", 0L, 0L);
        assertTrue(row(t, "IPI0").number().isEmpty());
        assertFalse(row(t, "Err").perCpu());
        assertRow(row(t, "Err"), null, null, null, null, 0L);
    }

    @Test
    void oneCpuTableStillTellsSingleValueRowsFromDescribedRows() {
        InterruptTable t = parse(
                """
                           CPU0
                  1:          9  IO-APIC   1-edge      i8042
                NMI:          0   Non-maskable interrupts
                ERR:          0
                """);
        assertEquals(List.of(0), t.cpus());
        assertTrue(row(t, "NMI").perCpu());
        assertFalse(row(t, "ERR").perCpu());
        assertRow(row(t, "1"), "IO-APIC", "1", "edge", "i8042", 9L);
    }

    @Test
    void readsSixtyFourCpuColumnsAndSparseCpuNumbers() {
        StringBuilder text = new StringBuilder(" ".repeat(11));
        IntStream.range(0, 64).forEach(c -> text.append(String.format("CPU%-8d", c)));
        text.append('\n');
        List<Long> counts = new ArrayList<>();
        StringBuilder row = new StringBuilder(String.format("%3d: ", 40));
        for (int c = 0; c < 64; c++) {
            counts.add((long) c * 1000);
            row.append(String.format("%10d ", c * 1000));
        }
        text.append(row).append(" IR-PCI-MSI 2097152-edge      nvme0q1\n");
        text.append("LOC: ").append("%10d ".formatted(5).repeat(64)).append("  Local timer interrupts\n");
        InterruptTable t = parse(text.toString());
        assertEquals(64, t.cpuCount());
        assertEquals(counts, row(t, "40").counts());
        assertEquals("nvme0q1", row(t, "40").name());
        assertEquals(Collections.nCopies(64, 5L), row(t, "LOC").counts());

        InterruptTable sparse = parse(
                """
                           CPU0       CPU2       CPU3
                 20:          1          0          5   ITS-MSI   0 Edge      0000:00:00.0
                """);
        assertEquals(List.of(0, 2, 3), sparse.cpus());
    }

    @Test
    void readsTheReworkedFormatOfNewerKernelsWithPerCpuErr() {
        // kernel/irq/proc.c irq_seq_show() since the 2025 rework: "%*u:" then " %10u" per CPU, two spaces,
        // the chip left-aligned to the widest chip name, the hwirq, "-handler", two spaces, the actions.
        String text = " ".repeat(12) + "CPU0       CPU1       \n"
                + String.format(
                        "%4d:%11d%11d  %-21s %4d-%-8s  %s%n",
                        28, 0, 3, "PCI-MSIX-0000:00:01.0", 0, "edge", "virtio0-config")
                + String.format("%4d:%11d%11d  %-21s %4d-%-8s  %s%n", 24, 1, 0, "IO-APIC", 5, "edge", "ACPI:Ged")
                + String.format("%4s:%11d%11d  PIC/APIC error interrupts%n", "ERR", 0, 0)
                + String.format("%4s:%11d%11d  Perf Guest Mediated PMI%n", "VPMI", 0, 0);
        InterruptTable t = parse(text);
        assertRow(row(t, "28"), "PCI-MSIX-0000:00:01.0", "0", "edge", "virtio0-config", 0L, 3L);
        assertRow(row(t, "24"), "IO-APIC", "5", "edge", "ACPI:Ged", 1L, 0L);
        assertTrue(row(t, "ERR").perCpu());
        assertRow(row(t, "ERR"), null, null, null, "PIC/APIC error interrupts", 0L, 0L);
        assertEquals("Perf Guest Mediated PMI", row(t, "VPMI").name());
    }

    @Test
    void understandsChipsWithSpacesMissingDomainsAndBothTriggerForms() {
        InterruptTable t = parse(
                """
                           CPU0       CPU1
                 33:          4          0   CPM PIC  5 Level     fsl-cpm
                 80:          1          2  xen-percpu      -virq      timer0
                 90:          3          0     dummy     Edge      mbox
                 91:          3          0   ITS-MSI 16384 Edge    -fasteoi   ixgbe-0
                 92:          5          0  IR-PCI-MSI 1048578-edge
                 93:          1          0   XT-PIC  8
                """);
        assertRow(row(t, "33"), "CPM PIC", "5", "Level", "fsl-cpm", 4L, 0L);
        assertRow(row(t, "80"), "xen-percpu", null, "virq", "timer0", 1L, 2L);
        assertRow(row(t, "90"), "dummy", null, "Edge", "mbox", 3L, 0L);
        assertRow(row(t, "91"), "ITS-MSI", "16384", "Edge-fasteoi", "ixgbe-0", 3L, 0L);
        assertRow(row(t, "92"), "IR-PCI-MSI", "1048578", "edge", null, 5L, 0L);
        assertRow(row(t, "93"), "XT-PIC", "8", null, null, 1L, 0L);
    }

    @Test
    void oldX86FormatWithHandlerGluedToChipKeepsChipAndName() {
        // Before kernel 3.x hierarchy work x86 printed "IO-APIC-edge" with no hwirq: one chip word, then names.
        InterruptTable t = parse(
                """
                           CPU0       CPU1
                  0:        127          0   IO-APIC-edge      timer
                """);
        assertRow(row(t, "0"), "IO-APIC-edge", null, null, "timer", 127L, 0L);
    }

    @Test
    void toleratesTrailingWhitespaceCrLfAndBlankLines() {
        InterruptTable t = parse("\n           CPU0       CPU1       \r\n"
                + " 20:          1          0   ITS-MSI   0 Edge      0000:00:00.0   \r\n\n"
                + "ERR:          0\r\n");
        assertEquals(List.of(0, 1), t.cpus());
        assertEquals("0000:00:00.0", row(t, "20").name());
        assertEquals(2, t.rows().size());
    }

    static InterruptFormatException failure(String text) {
        return assertThrows(InterruptFormatException.class, () -> ProcInterrupts.parse(text));
    }

    @Test
    void aRowWithTooFewCountsIsAnErrorNamingItsLine() {
        InterruptFormatException e = failure(
                """
                           CPU0       CPU1
                 20:          1          0   ITS-MSI   0 Edge      0000:00:00.0
                 21:          1   ITS-MSI   1 Edge      0000:00:00.0
                """);
        assertEquals(3, e.line());
        assertTrue(e.reason().contains("IRQ 21 has 1 count but the header lists 2 CPUs"), e.reason());
        assertEquals("line 3: " + e.reason(), e.getMessage());
        assertEquals("/tmp/x:3: " + e.reason(), e.in("/tmp/x").getMessage());
    }

    @Test
    void aNamedRowWithTooManyCountsIsAnError() {
        assertEquals(
                2,
                failure(
                                """
                           CPU0
                LOC:          1          2   Local timer interrupts
                """)
                        .line());
    }

    @Test
    void garbageDuplicatesAndMissingPartsAreErrors() {
        assertEquals(
                3,
                failure("           CPU0\n 1:  3  IO-APIC 1-edge i8042\nsomething else\n")
                        .line());
        assertEquals(
                1,
                failure("#         CPU0       CPU1\n 20:  1  0  ITS-MSI 0 Edge x\n")
                        .line());
        assertEquals(1, failure("").line());
        assertEquals(1, failure(" 20:  1  0  ITS-MSI 0 Edge x\n").line());
        assertEquals(
                3,
                failure("   CPU0\n 1:  3  IO-APIC 1-edge i8042\n 1:  3  IO-APIC 1-edge i8042\n")
                        .line());
        InterruptFormatException noChip = failure("   CPU0\n 1:  3\n");
        assertEquals(2, noChip.line());
        assertTrue(noChip.reason().contains("no chip"), noChip.reason());
        assertEquals(
                2,
                failure("   CPU0\n 1:  99999999999999999999  IO-APIC 1-edge i8042\n")
                        .line());
        assertEquals(1, failure("   CPU0 CPU0\n").line());
    }

    @Test
    void readNamesTheFileInErrors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        java.nio.file.Path f = dir.resolve("after.txt");
        java.nio.file.Files.writeString(f, "   CPU0\nnonsense\n");
        InterruptFormatException e = assertThrows(InterruptFormatException.class, () -> ProcInterrupts.read(f));
        assertEquals(f.toString(), e.source());
        assertTrue(e.getMessage().startsWith(f + ":2: "), e.getMessage());
    }

    @Test
    void selectsRowsByIrqNumberSet() {
        InterruptTable t = parse(resource("aarch64-seed-smmute.txt"));
        assertEquals(
                List.of("21", "23"),
                t.rowsForIrqs(java.util.Set.of(21, 23, 99)).stream()
                        .map(InterruptRow::irq)
                        .toList());
        assertNull(t.row("99").orElse(null));
    }

    @Test
    void aMillionCpuHeaderIsRefusedInOneLineWithoutQuadraticWork() {
        String header = IntStream.range(0, 1_000_000)
                .mapToObj(i -> "CPU" + i)
                .collect(java.util.stream.Collectors.joining(" "));
        // Guards against a hang only (the old duplicate check was quadratic: hours for this header).
        InterruptFormatException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(60),
                () -> assertThrows(InterruptFormatException.class, () -> ProcInterrupts.parse(header + "\n")));
        assertEquals(
                "line 1: the CPU header lists more than 8192 CPUs (the kernel's limit): not a /proc/interrupts",
                e.getMessage());
    }

    @Test
    void theKernelsLargestCpuCountStillParses() throws Exception {
        int n = ProcInterrupts.MAX_CPUS;
        String header =
                IntStream.range(0, n).mapToObj(i -> "CPU" + i).collect(java.util.stream.Collectors.joining(" "));
        String counts = IntStream.range(0, n).mapToObj(i -> "1").collect(java.util.stream.Collectors.joining(" "));
        InterruptTable t = ProcInterrupts.parse(header + "\n 24: " + counts + " PCI-MSIX-0000:00:02.0 0-edge eth0\n");
        assertEquals(n, t.cpus().size());
        assertEquals(n, t.row("24").orElseThrow().counts().size());
    }

    @Test
    void aSnapshotLargerThanTheCapIsRefusedBeforeParsing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path f = dir.resolve("interrupts.after");
        try (var out = java.nio.file.Files.newOutputStream(f)) {
            byte[] line = "           CPU0\n".getBytes(StandardCharsets.US_ASCII);
            out.write(line);
            byte[] pad = new byte[1 << 20];
            java.util.Arrays.fill(pad, (byte) ' ');
            for (int i = 0; i <= ProcInterrupts.MAX_BYTES >> 20; i++) {
                out.write(pad);
            }
        }
        IOException e = assertThrows(IOException.class, () -> ProcInterrupts.readCapped(f));
        assertEquals(f + ": larger than 32 MiB, not a /proc/interrupts snapshot", e.getMessage());
        assertThrows(IOException.class, () -> ProcInterrupts.read(f));
    }

    @Test
    void aSnapshotThatIsASymlinkIsNotFollowed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path f = dir.resolve("interrupts.before");
        java.nio.file.Files.createSymbolicLink(f, java.nio.file.Path.of("/proc/interrupts"));
        assertThrows(IOException.class, () -> ProcInterrupts.readCapped(f));
    }
}
