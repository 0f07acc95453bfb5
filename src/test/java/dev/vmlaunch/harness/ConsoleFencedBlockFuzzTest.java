package dev.vmlaunch.harness;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.FuzzAssert;
import java.util.Arrays;
import java.util.Optional;

/**
 * A console's bytes as a hostile guest prints them, read the way the console driver reads them: the first byte
 * picks the read size (so reads split anywhere), the rest is the console. Every outcome is a block or a
 * {@link FencedBlockReader.BadBlock} with a message; memory stays bounded (the block, the quoted lines, the prompt
 * window); a block's snapshot text parses or fails with one line. Corpus: ConsoleFencedBlockFuzzTestInputs/.
 */
class ConsoleFencedBlockFuzzTest {
    static final String NONCE = "0123456789abcdef0123456789abcdef";

    @FuzzTest(maxDuration = "60s")
    void consoleBytesGiveABlockOrOneLineAndStayBounded(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int step = 1 + (input[0] & 0xff);
        ConsoleStream s = new ConsoleStream();
        FencedBlockReader r = new FencedBlockReader(NONCE);
        Optional<FencedBlockReader.Block> block = Optional.empty();
        try {
            for (int i = 1; i < input.length && block.isEmpty(); i += step) {
                byte[] chunk = Arrays.copyOfRange(input, i, Math.min(input.length, i + step));
                block = s.feed(chunk, chunk.length, r);
            }
        } catch (FencedBlockReader.BadBlock e) {
            FuzzAssert.oneLineMessage(e);
        }
        if (s.lastChars().length() > ConsoleStream.PROMPT_WINDOW
                || s.lastLines().size() > ConsoleStream.TAIL_LINES + 1) {
            throw new AssertionError("the console's remembered text grew past its bounds");
        }
        if (block.isEmpty()) {
            return;
        }
        FencedBlockReader.Block b = block.get();
        if (b.status() < 0
                || b.status() > 255
                || b.text().length() > FencedBlockReader.MAX_BLOCK + b.lines().size()) {
            throw new AssertionError("a block out of bounds: status " + b.status() + ", "
                    + b.text().length() + " chars");
        }
        for (String line : b.lines()) {
            if (line.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
                throw new AssertionError("a control character in a block line: " + Irqs.clip(line));
            }
        }
        try {
            ProcInterrupts.parse(ConsoleCommands.interruptsText(b));
        } catch (InterruptFormatException e) {
            FuzzAssert.oneLineMessage(e);
        }
        try {
            GuestAgent.msi(ConsoleCommands.msiText(b), "the fuzzed msi snapshot");
        } catch (VmlaunchException e) {
            FuzzAssert.oneLineMessage(e);
        }
        ConsoleCommands.announcement(b, b);
    }
}
