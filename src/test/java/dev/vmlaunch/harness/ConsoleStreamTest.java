package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The console driver's reading of console output: recorded real consoles and adversarial ones. */
class ConsoleStreamTest {
    static final String N = "0123456789abcdef0123456789abcdef";
    static final String OTHER = "fedcba9876543210fedcba9876543210";

    static byte[] resource(String name) throws IOException {
        try (InputStream in = ConsoleStreamTest.class.getResourceAsStream("/console/" + name)) {
            return in.readAllBytes();
        }
    }

    static List<String> nonces(byte[] log) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m =
                Pattern.compile("vmlaunch-begin-([0-9a-f]{32})").matcher(new String(log, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            out.add(m.group(1));
        }
        return List.copyOf(out);
    }

    /** Feeds {@code bytes} in chunks of random sizes (1..max) and returns the block found, if any. */
    static Optional<FencedBlockReader.Block> read(byte[] bytes, String nonce, Random chunks, int max)
            throws FencedBlockReader.BadBlock {
        ConsoleStream s = new ConsoleStream();
        FencedBlockReader r = new FencedBlockReader(nonce);
        int i = 0;
        while (i < bytes.length) {
            int n = Math.min(bytes.length - i, 1 + chunks.nextInt(max));
            byte[] chunk = java.util.Arrays.copyOfRange(bytes, i, i + n);
            Optional<FencedBlockReader.Block> b = s.feed(chunk, n, r);
            if (b.isPresent()) {
                return b;
            }
            i += n;
        }
        return Optional.empty();
    }

    static Optional<FencedBlockReader.Block> read(String text, String nonce) throws FencedBlockReader.BadBlock {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return read(b, nonce, new Random(1), b.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64-serial.log", "aarch64-serial.log", "x86_64-virtio.log"})
    void recordedConsolesGiveEveryCommandsBlockHoweverTheReadsSplitThem(String log) throws Exception {
        byte[] bytes = resource(log);
        List<String> nonces = nonces(bytes);
        assertEquals(8, nonces.size(), "the recording holds eight fenced commands");
        for (int max : new int[] {1, 7, 512, bytes.length}) {
            List<FencedBlockReader.Block> blocks = new ArrayList<>();
            for (String n : nonces) {
                blocks.add(
                        read(bytes, n, new Random(max), max).orElseThrow(() -> new AssertionError(n + " in " + log)));
            }
            for (FencedBlockReader.Block b : blocks) {
                assertEquals(0, b.status(), b.text());
            }
            // Order as the driver types them: mount, identity, devices, interrupts, msi, workload, interrupts, msi.
            assertTrue(
                    blocks.get(5).text().contains("3 packets transmitted, 3 packets received"),
                    blocks.get(5).text());
            assertTrue(
                    blocks.get(1).text().contains("kernel=6.1.0-57-"),
                    blocks.get(1).text());
            assertTrue(
                    blocks.get(2).lines().stream().anyMatch(l -> l.contains(" 8086:10d3 020000 e1000e ")),
                    blocks.get(2).text());
            String irqBefore = ConsoleCommands.interruptsText(blocks.get(3));
            InterruptTable before = ProcInterrupts.parse(irqBefore);
            InterruptTable after = ProcInterrupts.parse(ConsoleCommands.interruptsText(blocks.get(6)));
            assertTrue(before.rows().size() > 10, irqBefore);
            GuestAgent.PciDevice nic = ConsoleCommands.announcement(blocks.get(1), blocks.get(2))
                    .find("8086", "10d3")
                    .get(0);
            List<Integer> vectors = GuestAgent.msi(ConsoleCommands.msiText(blocks.get(4)), "test")
                    .get(nic.address());
            assertEquals(nic.msiIrqs(), vectors);
            assertEquals(
                    3,
                    InterruptDiff.between(before, after).forIrqs(vectors).rows().stream()
                            .filter(d -> d.delta() > 0)
                            .count(),
                    "the NIC's three vectors fired during the ping");
        }
    }

    @Test
    void theEchoOfTheTypedCommandDoesNotOpenTheBlock() throws Exception {
        String echo = "host:/# printf '%s-%s\\n' vmlaunch-begin " + N + "; cat /proc/interrupts; printf '%s-%s %s\\n' "
                + "vmlaunch-end " + N + " \"$?\"\r\r\n";
        assertTrue(read(echo + "  1:  5  IO-APIC  1-edge  i8042\r\n", N).isEmpty());
        var b = read(echo + "vmlaunch-begin-" + N + "\r\nhello\r\nvmlaunch-end-" + N + " 0\r\n", N)
                .orElseThrow();
        assertEquals(List.of("hello"), b.lines());
    }

    @Test
    void markersWithAnotherNonceOrAPrefixOfOursAreOutputNotFences() throws Exception {
        var b = read(
                        "vmlaunch-end-" + N + " 0\r\n" // before our begin: ignored
                                + "vmlaunch-begin-" + N + "\r\n"
                                + "vmlaunch-end-" + OTHER + " 0\r\n"
                                + "vmlaunch-end-" + N.substring(0, 20) + " 0\r\n"
                                + "vmlaunch-end-" + N + "0 0\r\n"
                                + "vmlaunch-begin-" + N + "\r\n"
                                + "vmlaunch-end-" + N + " 7\r\n",
                        N)
                .orElseThrow();
        assertEquals(7, b.status());
        assertEquals(
                List.of(
                        "vmlaunch-end-" + OTHER + " 0",
                        "vmlaunch-end-" + N.substring(0, 20) + " 0",
                        "vmlaunch-end-" + N + "0 0",
                        "vmlaunch-begin-" + N),
                b.lines());
    }

    @Test
    void aKernelMessageInsideARowIsTakenOutAndTheRowJoinedAgain() throws Exception {
        var b = read(
                        "vmlaunch-begin-" + N + "\r\n"
                                + "           CPU0       CPU1\r\n"
                                + "  24:          5    [   12.345678] e1000e 0000:00:02.0 eth0: NIC Link is Up 1000 Mbps\r\n"
                                + "      7   ITS-MSI 16384 Edge      eth0-rx-0\r\n"
                                + "[   12.400000] a message of its own\r\n"
                                + "  25:          1          0   ITS-MSI 16385 Edge      eth0-tx-0\r\n"
                                + "vmlaunch-end-" + N + " 0\r\n",
                        N)
                .orElseThrow();
        InterruptTable t = ProcInterrupts.parse(b.text());
        assertEquals(List.of(5L, 7L), t.row("24").orElseThrow().counts());
        assertEquals("eth0-rx-0", t.row("24").orElseThrow().name());
        assertEquals(2, t.rows().size());
    }

    @Test
    void aKernelMessageInsideAMarkerDoesNotHideIt() throws Exception {
        var b = read(
                        "vmlaunch-beg[    3.000001] virtio_net virtio0: link up\r\nin-" + N + "\r\nx\r\nvmlaunch-end-"
                                + N.substring(0, 5) + "[    3.100000] again\r\n" + N.substring(5) + " 0\r\n",
                        N)
                .orElseThrow();
        assertEquals(List.of("x"), b.lines());
    }

    @Test
    void crLfLoneCrAnsiEscapesAndControlBytesAreWhatATerminalWouldShow() throws Exception {
        var b = read(
                        "\u001b[6n\u001b]0;title\u0007vmlaunch-begin-" + N + "\r\r\n"
                                + "\u001b[1;31mred\u001b[0m\u0000\u0008 text\n"
                                + "a\rb\r\n"
                                + "tab\there\r\n"
                                + "\u001b]2;never ended title\r\n"
                                + "vmlaunch-\u001b[Kend-" + N + " 0\r\n",
                        N)
                .orElseThrow();
        assertEquals(List.of("red text", "a", "b", "tab\there", ""), b.lines());
    }

    @Test
    void outputWithoutAFinalNewlineEndsAtTheMarker() throws Exception {
        var b = read("vmlaunch-begin-" + N + "\r\nno newline herevmlaunch-end-" + N + " 1\r\n", N)
                .orElseThrow();
        assertEquals(List.of("no newline here"), b.lines());
        assertEquals(1, b.status());
    }

    @Test
    void anEndMarkerWithoutAnExitStatusIsRefused() {
        var e = assertThrows(
                FencedBlockReader.BadBlock.class,
                () -> read("vmlaunch-begin-" + N + "\r\nvmlaunch-end-" + N + " oops\r\n", N));
        assertTrue(e.getMessage().contains("no exit status"), e.getMessage());
        assertThrows(
                FencedBlockReader.BadBlock.class,
                () -> read("vmlaunch-begin-" + N + "\r\nvmlaunch-end-" + N + " 256\r\n", N));
    }

    @Test
    void aBlockLargerThanOneMebibyteIsRefusedWithoutBufferingMore() {
        StringBuilder s = new StringBuilder("vmlaunch-begin-" + N + "\r\n");
        String row = "x".repeat(1023) + "\r\n";
        while (s.length() < FencedBlockReader.MAX_BLOCK + 4096) {
            s.append(row);
        }
        var e = assertThrows(FencedBlockReader.BadBlock.class, () -> read(s + "vmlaunch-end-" + N + " 0\r\n", N));
        assertTrue(e.getMessage().contains("larger than 1 MiB"), e.getMessage());
    }

    @Test
    void anEndlessLineIsCutSoMemoryStaysBounded() throws Exception {
        ConsoleStream s = new ConsoleStream();
        byte[] chunk = "y".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 160; i++) { // 10 MiB without a line end
            s.feed(chunk, chunk.length, null);
        }
        assertTrue(s.lastChars().length() <= ConsoleStream.PROMPT_WINDOW);
        assertTrue(s.lastLines().stream().allMatch(l -> l.length() < 200), "quoted lines are clipped");
        assertTrue(s.lastLines().size() <= ConsoleStream.TAIL_LINES + 1);
    }

    @Test
    void aPromptCutByAKernelMessageIsStillThePrompt() throws Exception {
        ConsoleStream s = new ConsoleStream();
        byte[] b = "guest:/# [   20.000000] random: crng init done\r\n".getBytes(StandardCharsets.US_ASCII);
        s.feed(b, b.length, null);
        assertTrue(ConsoleSpec.DEFAULT_PROMPT.matcher(s.lastChars()).find(), s.lastChars());
    }

    @Test
    void aPromptFollowedByHalfAKernelMessageIsStillThePromptAndUnchanged() throws Exception {
        ConsoleStream s = new ConsoleStream();
        for (String part : List.of("guest:/# ", "[", "   20.0", "00000] random: cr", "ng init done\r\n")) {
            byte[] b = part.getBytes(StandardCharsets.US_ASCII);
            s.feed(b, b.length, null);
            assertEquals("guest:/# ", s.lastChars(), "after \"" + part + "\"");
        }
        // A "[" the shell printed itself, not a timestamp's start: it stays.
        byte[] b = "[x".getBytes(StandardCharsets.US_ASCII);
        s.feed(b, b.length, null);
        assertEquals("guest:/# [x", s.lastChars());
    }

    @Test
    void strayLinesInASnapshotAreLeftOutOfTheTableButADuplicateRowIsStillRefused() throws Exception {
        String raw = "e1000e: no timestamp on this one\n           CPU0\n  24:   5   PCI-MSI 1 Edge  eth0\n"
                + "eth0: renamed\n  25:   2\n LOC:   9   Local timer interrupts\n";
        assertThrows(InterruptFormatException.class, () -> ProcInterrupts.parse(raw));
        InterruptTable t = ProcInterrupts.parse(ProcInterrupts.tableLines(raw));
        assertEquals(
                List.of("24", "LOC"), t.rows().stream().map(InterruptRow::irq).toList());
        assertThrows(
                InterruptFormatException.class,
                () -> ProcInterrupts.parse(ProcInterrupts.tableLines(raw + "  24:   999   PCI-MSI 1 Edge  eth0\n")));
    }

    @Test
    void aMsiSnapshotKeepsOnlyDeviceLines() throws Exception {
        var b = read(
                        "vmlaunch-begin-" + N + "\r\n0000:00:02.0 27 28 29 \r\nwhat: 1 2\r\n0000:00:01.0\r\n"
                                + "vmlaunch-end-" + N + " 0\r\n",
                        N)
                .orElseThrow();
        assertEquals(
                java.util.Map.of("0000:00:02.0", List.of(27, 28, 29), "0000:00:01.0", List.of()),
                GuestAgent.msi(ConsoleCommands.msiText(b), "test"));
        assertFalse(ConsoleCommands.msiText(b).contains("what"));
    }
}
