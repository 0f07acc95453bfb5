package dev.vmlaunch.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Typed, strict access to the members of one JSON object. Every mistake (unknown member, wrong type, value out
 * of range) is recorded in {@link Problems} with its location and path, and the getter returns empty, so one
 * pass reports every error in the file.
 */
public final class Fields {
    private final Json.Obj obj;
    private final String path;
    private final Problems problems;

    private Fields(Json.Obj obj, String path, Problems problems) {
        this.obj = obj;
        this.path = path;
        this.problems = problems;
    }

    /**
     * Starts reading {@code node} as an object with exactly the {@code known} members. Returns empty (and records
     * an error) when the node is not an object.
     */
    public static Optional<Fields> of(Json node, String path, Problems problems, Set<String> known) {
        if (!(node instanceof Json.Obj o)) {
            problems.error(node.at(), path, "expected an object, found " + node.kind());
            return Optional.empty();
        }
        Fields f = new Fields(o, path, problems);
        for (var e : o.members().entrySet()) {
            if (!known.contains(e.getKey())) {
                String hint = suggest(e.getKey(), known)
                        .map(s -> " (did you mean \"" + s + "\"?)")
                        .orElse(" (allowed: "
                                + String.join(", ", known.stream().sorted().toList()) + ")");
                problems.error(
                        e.getValue().keyAt(),
                        JsonPath.member(path, e.getKey()),
                        "unknown field \"" + e.getKey() + "\"" + hint);
            }
        }
        return Optional.of(f);
    }

    public String path() {
        return path;
    }

    public String pathOf(String key) {
        return JsonPath.member(path, key);
    }

    public Json.Location at() {
        return obj.at();
    }

    /** Where {@code key}'s value stands, or where the object starts when the key is absent. */
    public Json.Location at(String key) {
        Json.Member m = obj.members().get(key);
        return m == null ? obj.at() : m.value().at();
    }

    /**
     * Where member {@code member} of item {@code index} of array {@code key} stands (falling back to the item,
     * then to the array), for errors found after the items became records.
     */
    public Json.Location at(String key, int index, String member) {
        Optional<Json> arr = node(key);
        if (arr.isEmpty()
                || !(arr.get() instanceof Json.Arr a)
                || index >= a.items().size()) {
            return at(key);
        }
        Json item = a.items().get(index);
        if (item instanceof Json.Obj o && o.members().containsKey(member)) {
            return o.members().get(member).value().at();
        }
        return item.at();
    }

    /** Records an error about member {@code member} of item {@code index} of array {@code key}. */
    public void itemError(String key, int index, String member, String message) {
        problems.error(at(key, index, member), pathOf(key) + "[" + index + "]." + member, message);
    }

    /** The member is there and is JSON {@code null} (for fields where null means "off", not "default"). */
    public boolean isNull(String key) {
        Json.Member m = obj.members().get(key);
        return m != null && m.value() instanceof Json.Null;
    }

    public boolean has(String key) {
        Json.Member m = obj.members().get(key);
        return m != null && !(m.value() instanceof Json.Null);
    }

    public Problems problems() {
        return problems;
    }

    /** Records an error about member {@code key}. */
    public void error(String key, String message) {
        problems.error(at(key), pathOf(key), message);
    }

    public void warn(String key, String message) {
        problems.warn(at(key), pathOf(key), message);
    }

    public Optional<Json> node(String key) {
        Json.Member m = obj.members().get(key);
        if (m == null || m.value() instanceof Json.Null) {
            return Optional.empty();
        }
        return Optional.of(m.value());
    }

    /** A required member; records "missing required field" when absent. */
    public boolean require(String key, String expected) {
        if (!has(key)) {
            problems.error(obj.at(), pathOf(key), "missing required field \"" + key + "\" (" + expected + ")");
            return false;
        }
        return true;
    }

    public Optional<String> string(String key) {
        return typed(key, Json.Str.class, "a string").map(Json.Str::value);
    }

    /** A non-empty string without control characters. */
    public Optional<String> text(String key) {
        Optional<String> s = string(key);
        if (s.isPresent()) {
            if (s.get().isEmpty()) {
                error(key, "must not be empty");
                return Optional.empty();
            }
            if (s.get().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                error(key, "must not contain control characters");
                return Optional.empty();
            }
        }
        return s;
    }

    public Optional<Boolean> bool(String key) {
        return typed(key, Json.Bool.class, "true or false").map(Json.Bool::value);
    }

    public Optional<Long> integer(String key, long min, long max) {
        Optional<Json.Num> n = typed(key, Json.Num.class, "an integer");
        if (n.isEmpty()) {
            return Optional.empty();
        }
        return checkInteger(n.get(), pathOf(key), min, max, problems);
    }

    static Optional<Long> checkInteger(Json.Num n, String path, long min, long max, Problems problems) {
        BigDecimal v = n.value();
        if (!n.integral() && v.stripTrailingZeros().scale() > 0) {
            problems.error(n.at(), path, "expected an integer, found " + v.toPlainString());
            return Optional.empty();
        }
        if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
            problems.error(n.at(), path, "out of range: " + v.toPlainString() + " (allowed " + min + ".." + max + ")");
            return Optional.empty();
        }
        return Optional.of(v.longValueExact());
    }

    public <E extends Enum<E> & JsonEnum> Optional<E> enumValue(String key, Class<E> type) {
        Optional<Json.Str> s = typed(key, Json.Str.class, "one of: " + JsonEnum.allowed(type));
        if (s.isEmpty()) {
            return Optional.empty();
        }
        Optional<E> e = JsonEnum.parse(type, s.get().value());
        if (e.isEmpty()) {
            error(key, "\"" + s.get().value() + "\" is not allowed (one of: " + JsonEnum.allowed(type) + ")");
        }
        return e;
    }

    /** Reads an array member, mapping each item with {@code item(node, path)}; items that fail are dropped. */
    public <T> List<T> list(String key, BiFunction<Json, String, Optional<T>> item) {
        Optional<Json.Arr> a = typed(key, Json.Arr.class, "an array");
        List<T> out = new ArrayList<>();
        if (a.isEmpty()) {
            return out;
        }
        List<Json> items = a.get().items();
        for (int i = 0; i < items.size(); i++) {
            item.apply(items.get(i), JsonPath.index(pathOf(key), i)).ifPresent(out::add);
        }
        return out;
    }

    private <T extends Json> Optional<T> typed(String key, Class<T> type, String expected) {
        Optional<Json> n = node(key);
        if (n.isEmpty()) {
            return Optional.empty();
        }
        if (!type.isInstance(n.get())) {
            error(key, "expected " + expected + ", found " + n.get().kind());
            return Optional.empty();
        }
        return Optional.of(type.cast(n.get()));
    }

    /** The closest known name within a small edit distance, for "did you mean". */
    static Optional<String> suggest(String unknown, Set<String> known) {
        String lower = unknown.toLowerCase(java.util.Locale.ROOT);
        return known.stream()
                .map(k -> new Object() {
                    final String name = k;
                    final int d = distance(lower, k.toLowerCase(java.util.Locale.ROOT));
                })
                .filter(c -> c.d <= Math.max(1, Math.min(3, c.name.length() / 3)))
                .min(Comparator.comparingInt(c -> c.d))
                .map(c -> c.name);
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
