package dev.vmlaunch.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The end of a guest's console log, for a report: at most {@code maxBytes} and {@code maxLines}, read from the end of
 * the file (and of {@code NAME.1} before it, after a rotation) without reading the rest. The guest wrote it, so it is
 * decoded leniently (invalid UTF-8 becomes U+FFFD) and cleaned of what XML 1.0 cannot hold.
 */
public final class ConsoleTail {
    /** What a JUnit report carries per guest: the last screens of a boot, not the whole log. */
    public static final int MAX_BYTES = 64 * 1024;

    public static final int MAX_LINES = 400;

    private ConsoleTail() {}

    public static Optional<String> read(Path log) {
        return read(log, MAX_BYTES, MAX_LINES);
    }

    public static Optional<String> read(Path log, int maxBytes, int maxLines) {
        ByteArrayOutputStream end = new ByteArrayOutputStream();
        boolean cut;
        try {
            if (!Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            byte[] last = lastBytes(log, maxBytes);
            cut = last.length == maxBytes;
            Path rotated = log.resolveSibling(log.getFileName() + ".1");
            if (!cut && Files.isRegularFile(rotated, LinkOption.NOFOLLOW_LINKS)) {
                byte[] before = lastBytes(rotated, maxBytes - last.length);
                end.write(before);
                cut = before.length == maxBytes - last.length;
            }
            end.write(last);
        } catch (IOException e) {
            return Optional.empty();
        }
        String text = decode(end.toByteArray());
        if (cut) {
            // The first line is most likely a part of one (or half a UTF-8 sequence).
            int nl = text.indexOf('\n');
            text = nl < 0 ? text : text.substring(nl + 1);
        }
        // Keep the last maxLines lines: walk back over that many line ends (the final newline ends the last line).
        int count = 0;
        for (int i = text.length() - (text.endsWith("\n") ? 1 : 0); i > 0; ) {
            int nl = text.lastIndexOf('\n', i - 1);
            if (nl < 0) {
                break;
            }
            if (++count == maxLines) {
                text = text.substring(nl + 1);
                cut = true;
                break;
            }
            i = nl;
        }
        String head = cut ? "[... earlier console output left out; the whole log: " + log + "]\n" : "";
        return Optional.of(xmlSafe(head + text));
    }

    private static byte[] lastBytes(Path f, int n) throws IOException {
        if (n <= 0) {
            return new byte[0];
        }
        try (SeekableByteChannel ch = Files.newByteChannel(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            int want = (int) Math.min(size, n);
            ByteBuffer b = ByteBuffer.allocate(want);
            ch.position(size - want);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // Until full, or the file shrank under us (a rotation): then what we have is the tail.
            }
            byte[] out = new byte[b.position()];
            b.flip().get(out);
            return out;
        }
    }

    private static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e); // REPLACE never throws
        }
    }

    /**
     * Only characters XML 1.0 allows (tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, supplementary pairs); the rest, a
     * terminal's ESC and BEL or a lone surrogate, is dropped.
     */
    public static String xmlSafe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (c == '\t'
                    || c == '\n'
                    || c == '\r'
                    || (c >= 0x20 && c <= 0xD7FF)
                    || (c >= 0xE000 && c <= 0xFFFD)) {
                b.append(c);
            }
        }
        return b.toString();
    }
}
