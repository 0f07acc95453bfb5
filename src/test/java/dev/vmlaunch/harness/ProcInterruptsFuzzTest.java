package dev.vmlaunch.harness;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmlaunch.config.FuzzAssert;
import java.nio.charset.StandardCharsets;

/**
 * /proc/interrupts as a guest writes it (the agent's snapshot is guest-controlled): it parses, or it is an
 * {@link InterruptFormatException}; a diff of any two parsed tables works. Corpus: src/test/resources/interrupts/.
 */
class ProcInterruptsFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void parsesOrFailsWithOneLine(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        int cut = text.indexOf("\u0000\u0000");
        String before = cut < 0 ? text : text.substring(0, cut);
        String after = cut < 0 ? text : text.substring(cut + 2);
        try {
            InterruptTable a = ProcInterrupts.parse(before);
            InterruptTable b = ProcInterrupts.parse(after);
            InterruptDiff.between(a, b).totalDelta();
        } catch (InterruptFormatException e) {
            FuzzAssert.oneLineMessage(e);
        }
    }
}
