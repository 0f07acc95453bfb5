package dev.vmlaunch.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class QmpLineFramingTest {

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> text(List<byte[]> lines) {
        return lines.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void aLineSplitAcrossReadsIsReturnedOnceComplete() throws Exception {
        LineFramer framer = new LineFramer(1024);
        assertEquals(List.of(), text(framer.feed(bytes("{\"return\":"))));
        assertEquals(10, framer.pendingBytes());
        assertEquals(List.of(), text(framer.feed(bytes(" {}"))));
        assertEquals(List.of("{\"return\": {}}"), text(framer.feed(bytes("}\r\n"))));
        assertEquals(0, framer.pendingBytes());
    }

    @Test
    void severalLinesInOneReadAreAllReturnedInOrder() throws Exception {
        LineFramer framer = new LineFramer(1024);
        assertEquals(List.of("a", "b", "c"), text(framer.feed(bytes("a\r\nb\nc\r\nd"))));
        assertEquals(List.of("de"), text(framer.feed(bytes("e\n"))));
    }

    @Test
    void onlyTheTrailingCarriageReturnIsRemoved() throws Exception {
        LineFramer framer = new LineFramer(1024);
        assertEquals(List.of("x\ry", ""), text(framer.feed(bytes("x\ry\r\n\r\n"))));
    }

    @Test
    void aReadConsumesTheWholeBuffer() throws Exception {
        LineFramer framer = new LineFramer(1024);
        ByteBuffer chunk = bytes("one\ntwo");
        framer.feed(chunk);
        assertEquals(0, chunk.remaining());
    }

    @Test
    void aLineLongerThanTheLimitIsAProtocolError() throws Exception {
        LineFramer framer = new LineFramer(8);
        framer.feed(bytes("12345"));
        assertThrows(QmpException.class, () -> framer.feed(bytes("6789")));
    }

    @Test
    void multiByteCharactersSplitAcrossReadsSurvive() throws Exception {
        LineFramer framer = new LineFramer(1024);
        byte[] utf8 = "\"µs\"\n".getBytes(StandardCharsets.UTF_8);
        framer.feed(ByteBuffer.wrap(utf8, 0, 2));
        assertEquals(List.of("\"µs\""), text(framer.feed(ByteBuffer.wrap(utf8, 2, utf8.length - 2))));
    }
}
