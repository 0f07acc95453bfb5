package dev.vmlaunch.harness;

import dev.vmlaunch.VmlaunchException;

/** IRQ numbers as the guest agent writes them: plain decimal, checked, so a hostile value is a one-line failure. */
final class Irqs {
    private static final int MAX_SHOWN = 80;

    private Irqs() {}

    static int parse(String s, String where) {
        if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw VmlaunchException.failure(where + ": \"" + clip(s) + "\" is not an IRQ number");
        }
        return Integer.parseInt(s);
    }

    /** A guest-written value cut to a length fit for one line of a message. */
    static String clip(String s) {
        String one = s.replaceAll("[\\p{Cntrl}]", "?");
        return one.length() <= MAX_SHOWN ? one : one.substring(0, MAX_SHOWN) + "...";
    }
}
