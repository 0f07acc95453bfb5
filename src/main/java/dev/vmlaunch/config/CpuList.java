package dev.vmlaunch.config;

import java.util.BitSet;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * A set of host CPUs in Linux cpulist syntax ({@code "0-3,6"}, as in /sys/devices/system/cpu/online, taskset -c and
 * cpuset.cpus): comma-separated CPU numbers and ranges, a range optionally strided as {@code first-last:used/group}
 * (the kernel's bitmap_parselist). Never empty.
 */
public final class CpuList {
    /** The kernel's largest NR_CPUS is 8192. */
    public static final int MAX_CPU = 8191;

    private final BitSet cpus;

    private CpuList(BitSet cpus) {
        this.cpus = cpus;
    }

    public static CpuList of(int... cpus) {
        BitSet b = new BitSet();
        for (int c : cpus) {
            if (c < 0 || c > MAX_CPU) {
                throw new IllegalArgumentException("CPU " + c + " out of range 0.." + MAX_CPU);
            }
            b.set(c);
        }
        if (b.isEmpty()) {
            throw new IllegalArgumentException("a CPU list is never empty");
        }
        return new CpuList(b);
    }

    /** Parses {@code text}; on a syntax error tells {@code onError} what was expected and returns empty. */
    public static Optional<CpuList> parse(String text, Consumer<String> onError) {
        // The kernel's files end in a newline; people write spaces after commas.
        String t = text.strip();
        if (t.isEmpty()) {
            onError.accept("an empty CPU list (expected CPU numbers and ranges such as \"2-3,6\")");
            return Optional.empty();
        }
        BitSet b = new BitSet();
        for (String raw : t.split(",", -1)) {
            String item = raw.strip();
            if (!item(item, b, onError)) {
                return Optional.empty();
            }
        }
        return Optional.of(new CpuList(b));
    }

    /** Parses text that must be valid (the kernel's own files); throws with the reason otherwise. */
    public static CpuList parseOrThrow(String text) {
        StringBuilder why = new StringBuilder();
        return parse(text, why::append).orElseThrow(() -> new IllegalArgumentException(why.toString()));
    }

    private static boolean item(String item, BitSet into, Consumer<String> onError) {
        if (item.isEmpty()) {
            onError.accept("an empty item in the CPU list (expected CPU numbers and ranges such as \"2-3,6\")");
            return false;
        }
        String range = item;
        int used = 1;
        int group = 1;
        int colon = item.indexOf(':');
        if (colon >= 0) {
            range = item.substring(0, colon);
            String[] ug = item.substring(colon + 1).split("/", -1);
            Integer u = ug.length == 2 ? number(ug[0]) : null;
            Integer g = ug.length == 2 ? number(ug[1]) : null;
            if (u == null || g == null || u < 1 || g < 1 || u > g || !range.contains("-")) {
                onError.accept("\"" + item + "\" is not a CPU range with a stride (expected FIRST-LAST:USED/GROUP, "
                        + "e.g. 0-7:1/2, with 1 <= USED <= GROUP)");
                return false;
            }
            used = u;
            group = g;
        }
        int dash = range.indexOf('-');
        Integer first = number(dash < 0 ? range : range.substring(0, dash));
        Integer last = dash < 0 ? first : number(range.substring(dash + 1));
        if (first == null || last == null) {
            onError.accept("\"" + item + "\" is not a CPU number or range (expected N or FIRST-LAST, e.g. 2-3)");
            return false;
        }
        if (first > MAX_CPU || last > MAX_CPU) {
            onError.accept("CPU " + Math.max(first, last) + " in \"" + item + "\" is beyond the largest CPU number "
                    + MAX_CPU);
            return false;
        }
        if (first > last) {
            onError.accept("\"" + item + "\" is a backwards range (write " + last + "-" + first + ")");
            return false;
        }
        for (int c = first; c <= last; c++) {
            if ((c - first) % group < used) {
                into.set(c);
            }
        }
        return true;
    }

    /** A plain decimal number (no sign, no spaces), or null. */
    private static Integer number(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return null;
        }
        return Integer.parseInt(s);
    }

    public boolean contains(int cpu) {
        return cpu >= 0 && cpus.get(cpu);
    }

    /** Whether every CPU here is in {@code other}. */
    public boolean isWithin(CpuList other) {
        BitSet rest = (BitSet) cpus.clone();
        rest.andNot(other.cpus);
        return rest.isEmpty();
    }

    /** The CPUs here that {@code other} lacks, or empty when there are none. */
    public Optional<CpuList> minus(CpuList other) {
        BitSet rest = (BitSet) cpus.clone();
        rest.andNot(other.cpus);
        return rest.isEmpty() ? Optional.empty() : Optional.of(new CpuList(rest));
    }

    public CpuList union(CpuList other) {
        BitSet all = (BitSet) cpus.clone();
        all.or(other.cpus);
        return new CpuList(all);
    }

    public IntStream stream() {
        return cpus.stream();
    }

    public int size() {
        return cpus.cardinality();
    }

    public int highest() {
        return cpus.length() - 1;
    }

    /** The mask as the kernel's cpu_set_t: little-endian 64-bit words, CPU n at bit n % 64 of word n / 64. */
    public long[] words() {
        return cpus.toLongArray();
    }

    /** The canonical cpulist: ascending, ranges joined ({@code "0-3,6"}), as the kernel prints it (and spec.json). */
    @com.fasterxml.jackson.annotation.JsonValue
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (int c = cpus.nextSetBit(0); c >= 0; ) {
            int end = cpus.nextClearBit(c) - 1;
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(c);
            if (end > c) {
                out.append('-').append(end);
            }
            c = cpus.nextSetBit(end + 1);
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuList other && cpus.equals(other.cpus);
    }

    @Override
    public int hashCode() {
        return cpus.hashCode();
    }
}
