package dev.vmlaunch.config;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON tree that remembers where each value stood in its file, so that validation errors can point at
 * line and column. Built by {@link JsonReader}; read by the config loaders.
 */
public sealed interface Json {

    Location at();

    /** The JSON type name used in error messages ("a string", "an object", ...). */
    String kind();

    record Location(int line, int column) {}

    record Obj(Location at, Map<String, Member> members) implements Json {
        public Obj {
            members = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(members));
        }

        @Override
        public String kind() {
            return "an object";
        }
    }

    /** An object member: where its key stood, and its value. */
    record Member(Location keyAt, Json value) {}

    record Arr(Location at, List<Json> items) implements Json {
        public Arr {
            items = List.copyOf(items);
        }

        @Override
        public String kind() {
            return "an array";
        }
    }

    record Str(Location at, String value) implements Json {
        @Override
        public String kind() {
            return "a string";
        }
    }

    record Num(Location at, BigDecimal value, boolean integral) implements Json {
        @Override
        public String kind() {
            return "a number";
        }
    }

    record Bool(Location at, boolean value) implements Json {
        @Override
        public String kind() {
            return "a boolean";
        }
    }

    record Null(Location at) implements Json {
        @Override
        public String kind() {
            return "null";
        }
    }
}
