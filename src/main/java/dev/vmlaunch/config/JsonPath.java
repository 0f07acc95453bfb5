package dev.vmlaunch.config;

import java.util.regex.Pattern;

/** JSON paths as error messages print them: {@code $.passthrough[0].host}, {@code $["odd key"]}. */
public final class JsonPath {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private JsonPath() {}

    public static String member(String parent, String key) {
        if (PLAIN.matcher(key).matches()) {
            return parent + "." + key;
        }
        return parent + "[\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
    }

    public static String index(String parent, int i) {
        return parent + "[" + i + "]";
    }
}
