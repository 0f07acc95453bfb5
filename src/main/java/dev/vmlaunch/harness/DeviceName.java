package dev.vmlaunch.harness;

import dev.vmlaunch.config.PciAddress;

/**
 * How {@code --device NAME} finds a device's rows in /proc/interrupts.
 *
 * <p>Drivers name their interrupts freely: smmute uses the bare BDF ({@code 0000:00:00.0}), e1000e the netdev
 * plus a queue ({@code eth0-rx-0}), ahci wraps the BDF ({@code ahci[0000:00:17.0]}), and kernels since 6.2
 * put the BDF in the chip column ({@code PCI-MSIX-0000:00:02.0}). So NAME matches as a whole word: it must
 * occur with no letter, digit, '_', '.' or ':' right before or after it. {@code eth0} thus matches
 * {@code eth0}, {@code eth0-rx-0} and {@code eth0-tx-0} but not {@code veth0} or {@code eth01}; a BDF
 * matches {@code ahci[0000:00:17.0]} but not {@code 0000:00:17.01}. Matching is case-sensitive, except that
 * a PCI address is first normalised to the kernel's form ({@code 08:00.1} becomes {@code 0000:08:00.1}).
 */
public final class DeviceName {
    private DeviceName() {}

    /** Whether {@code text} mentions {@code device} as a whole word; false when either is null or empty. */
    public static boolean mentions(String text, String device) {
        if (text == null || device == null || device.isEmpty()) {
            return false;
        }
        String needle = normalise(device);
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            int end = at + needle.length();
            if ((at == 0 || !wordChar(text.charAt(at - 1))) && (end == text.length() || !wordChar(text.charAt(end)))) {
                return true;
            }
        }
        return false;
    }

    static String normalise(String device) {
        return PciAddress.tryParse(device).map(PciAddress::toString).orElse(device);
    }

    private static boolean wordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == ':';
    }
}
