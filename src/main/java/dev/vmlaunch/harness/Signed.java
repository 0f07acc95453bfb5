package dev.vmlaunch.harness;

import dev.vmlaunch.VmlaunchException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file the agent signed: its body, then a last line {@code mac=HEX} where HEX is the SHA-256 of the body followed
 * by the token and a newline (a secret-suffix MAC: forging it means finding a SHA-256 collision; busybox has
 * sha256sum but no HMAC). The body is returned only when the MAC matches.
 */
final class Signed {
    private static final String MAC = "mac=";

    private Signed() {}

    static String verify(byte[] file, String token, String what) {
        int end = file.length;
        if (end > 0 && file[end - 1] == '\n') {
            end--;
        }
        int lineStart = end;
        while (lineStart > 0 && file[lineStart - 1] != '\n') {
            lineStart--;
        }
        String last = new String(file, lineStart, end - lineStart, StandardCharsets.US_ASCII);
        if (!last.startsWith(MAC)) {
            throw VmlaunchException.failure(what + " is not signed (no mac= line): the guest's agent is not the one "
                    + "vmlaunch installed, or the guest booted without its vmlaunch.token");
        }
        byte[] body = java.util.Arrays.copyOf(file, lineStart);
        byte[] expected = sha256Hex(concat(body, (token + "\n").getBytes(StandardCharsets.US_ASCII)))
                .getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, last.substring(MAC.length()).getBytes(StandardCharsets.US_ASCII))) {
            throw VmlaunchException.failure(what + " carries a wrong signature: it was not written by this run's "
                    + "agent of that guest (another guest sharing the folder, or a stale file)");
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The signed form of {@code body}, as agent.sh writes it (for tests). */
    static byte[] sign(String body, String token) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String mac = sha256Hex(concat(b, (token + "\n").getBytes(StandardCharsets.US_ASCII)));
        return concat(b, (MAC + mac + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
