package dev.vmlaunch.config;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI address, domain:bus:slot.function. Parsing is strict (hex digits only, slot 00-1f, function 0-7), so a
 * parsed address is safe to put in a sysfs path.
 */
public record PciAddress(int domain, int bus, int slot, int function) implements Comparable<PciAddress> {
    private static final Pattern FORM =
            Pattern.compile("(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-9a-fA-F])");

    public PciAddress {
        if (domain < 0
                || domain > 0xffff
                || bus < 0
                || bus > 0xff
                || slot < 0
                || slot > 0x1f
                || function < 0
                || function > 7) {
            throw new IllegalArgumentException("PCI address out of range");
        }
    }

    /** Parses {@code 0000:08:00.1} or {@code 08:00.1}; empty when the text is not a PCI address. */
    public static Optional<PciAddress> tryParse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        int domain = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
        int bus = Integer.parseInt(m.group(2), 16);
        int slot = Integer.parseInt(m.group(3), 16);
        int fn = Integer.parseInt(m.group(4), 16);
        if (slot > 0x1f || fn > 7) {
            return Optional.empty();
        }
        return Optional.of(new PciAddress(domain, bus, slot, fn));
    }

    /** Parses or throws IllegalArgumentException with a message fit for a user. */
    public static PciAddress parse(String text) {
        return tryParse(text)
                .orElseThrow(() -> new IllegalArgumentException("not a PCI address: '" + text
                        + "' (expected DDDD:BB:SS.F or BB:SS.F in hex, slot 00-1f, function 0-7)"));
    }

    /** The same device slot (domain, bus, slot), ignoring the function. */
    public boolean sameSlot(PciAddress o) {
        return domain == o.domain && bus == o.bus && slot == o.slot;
    }

    @Override
    public int compareTo(PciAddress o) {
        return Long.compare(key(), o.key());
    }

    private long key() {
        return ((long) domain << 16) | (bus << 8) | (slot << 3) | function;
    }

    // equals and hashCode written out, as a record's generated ones are bootstrapped through
    // java.lang.runtime.ObjectMethods on first use: that spun about 20 method-handle classes per start of `print`
    // (CDS keeps none of them), just to put an address in a HashMap while checking for duplicates.
    @Override
    public boolean equals(Object o) {
        return o instanceof PciAddress a && key() == a.key();
    }

    @Override
    public int hashCode() {
        return Long.hashCode(key());
    }

    /** The full form the kernel uses in sysfs: {@code 0000:08:00.1}. */
    @Override
    public String toString() {
        // By hand rather than String.format("%04x:..."): zero padding makes Formatter load the locale's decimal
        // symbols (the CLDR provider), milliseconds of every start that prints an address.
        StringBuilder b = new StringBuilder(12);
        hex(b, domain, 4).append(':');
        hex(b, bus, 2).append(':');
        hex(b, slot, 2).append('.');
        return b.append(Character.forDigit(function, 16)).toString();
    }

    private static StringBuilder hex(StringBuilder b, int value, int digits) {
        String h = Integer.toHexString(value);
        b.append("0".repeat(digits - h.length()));
        return b.append(h);
    }
}
