package dev.vmlaunch.vmm;

import java.util.List;
import java.util.regex.Pattern;

/** Renders an argv for people to copy into a POSIX shell. Output only: vmlaunch never runs a shell string. */
public final class ShellQuote {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

    private ShellQuote() {}

    public static String quote(String arg) {
        if (SAFE.matcher(arg).matches()) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /** One option per line, continued with backslashes, so a long qemu line stays readable and pasteable. */
    public static String multiline(List<String> argv) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (i > 0) {
                boolean newOption = arg.startsWith("-");
                sb.append(newOption ? " \\\n    " : " ");
            }
            sb.append(quote(arg));
        }
        return sb.toString();
    }

    public static String oneLine(List<String> argv) {
        StringBuilder sb = new StringBuilder();
        for (String a : argv) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(quote(a));
        }
        return sb.toString();
    }
}
