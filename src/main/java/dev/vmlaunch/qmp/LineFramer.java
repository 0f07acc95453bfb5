package dev.vmlaunch.qmp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts a byte stream into newline-terminated lines. QMP sends one JSON object per line, but a read may
 * end in the middle of one or hold several, so bytes are kept until their newline arrives.
 */
final class LineFramer {
    private final int maxLineBytes;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    LineFramer(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Consumes all remaining bytes of {@code chunk} and returns the lines it completed, without their
     * line terminator ("\n" or "\r\n").
     *
     * @throws QmpException if a line grows past the limit: a peer that never sends a newline would
     *                      otherwise make us buffer without end
     */
    List<byte[]> feed(ByteBuffer chunk) throws QmpException {
        List<byte[]> lines = new ArrayList<>();
        while (chunk.hasRemaining()) {
            int start = chunk.position();
            int newline = indexOfNewline(chunk);
            int end = newline < 0 ? chunk.limit() : newline;
            append(chunk, start, end - start);
            if (newline < 0) {
                chunk.position(chunk.limit());
            } else {
                chunk.position(newline + 1);
                lines.add(takeLine());
            }
        }
        return lines;
    }

    /** Bytes received after the last newline: a message cut off by EOF, or a peer that is not line-based. */
    int pendingBytes() {
        return partial.size();
    }

    private static int indexOfNewline(ByteBuffer chunk) {
        for (int i = chunk.position(); i < chunk.limit(); i++) {
            if (chunk.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void append(ByteBuffer chunk, int from, int length) throws QmpException {
        if (partial.size() + length > maxLineBytes) {
            throw new QmpException("QMP peer sent a line longer than " + maxLineBytes + " bytes (not QMP, or hostile)");
        }
        // One bulk copy per chunk: the cost is linear in the bytes received, whatever the line length.
        if (chunk.hasArray()) {
            partial.write(chunk.array(), chunk.arrayOffset() + from, length);
        } else {
            byte[] copy = new byte[length];
            chunk.get(from, copy);
            partial.write(copy, 0, length);
        }
    }

    private byte[] takeLine() {
        byte[] line = partial.toByteArray();
        partial.reset();
        int length = line.length;
        if (length > 0 && line[length - 1] == '\r') {
            return Arrays.copyOf(line, length - 1);
        }
        return line;
    }
}
