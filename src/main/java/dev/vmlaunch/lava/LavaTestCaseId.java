package dev.vmlaunch.lava;

import java.util.regex.Pattern;

/**
 * Test-case ids LAVA accepts everywhere. lava-dispatcher splits a signal's parameters on whitespace and each one on
 * '=' (so neither may occur in an id), lava_common's schemas allow test names matching {@code [-_a-zA-Z0-9.]+}, and
 * lava-server keeps case names of at most 100 characters. Ids are built from guest names and device addresses, so
 * they stay the same from run to run and can be compared across boards.
 */
public final class LavaTestCaseId {
    /** The characters lava_common.schemas allows in test names. */
    public static final Pattern VALID = Pattern.compile("[-_a-zA-Z0-9.]{1,100}");

    private LavaTestCaseId() {}

    /** {@code part} with every character LAVA does not allow replaced by '_' (a PCI address 0000:00:05.0 becomes 0000_00_05.0). */
    public static String clean(String part) {
        StringBuilder sb = new StringBuilder(part.length());
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            sb.append(c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.') ? c : '_');
        }
        return sb.length() == 0 ? "_" : sb.toString();
    }

    /** The parts, cleaned, joined with '.'; refuses (a bug, not a user error) when the result is not a valid id. */
    public static String of(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(clean(p));
        }
        String id = sb.toString();
        if (!VALID.matcher(id).matches()) {
            throw new IllegalArgumentException("not a valid LAVA test case id (" + id.length() + " chars): " + id);
        }
        return id;
    }
}
