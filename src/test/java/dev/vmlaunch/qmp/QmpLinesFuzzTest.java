package dev.vmlaunch.qmp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmlaunch.config.FuzzAssert;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * What QEMU (or a guest through QEMU's devices) can put on the QMP socket, through the client's own pieces: the
 * bytes are cut into reads at fuzzed positions, framed into lines, and each line goes through
 * {@link QmpClient#classify}, the reader thread's dispatch. Outcome: messages, or a QmpException with a message.
 */
class QmpLinesFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void linesFrameAndParseOrFailWithOneLine(byte[] input) {
        LineFramer framer = new LineFramer(64 * 1024);
        int step = input.length == 0 ? 1 : 1 + (input[0] & 0x3f);
        try {
            for (int at = 0; at < input.length; at += step) {
                ByteBuffer chunk = ByteBuffer.wrap(input, at, Math.min(step, input.length - at));
                for (byte[] line : framer.feed(chunk)) {
                    QmpClient.classify(line, Instant.EPOCH);
                }
            }
        } catch (QmpException e) {
            FuzzAssert.oneLineMessage(e);
        }
    }
}
