package dev.vmlaunch.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** An enum spelled in guest.json by {@link #json()}. */
public interface JsonEnum {
    String json();

    static <E extends Enum<E> & JsonEnum> Optional<E> parse(Class<E> type, String text) {
        return Arrays.stream(type.getEnumConstants())
                .filter(e -> e.json().equals(text))
                .findFirst();
    }

    static <E extends Enum<E> & JsonEnum> String allowed(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(JsonEnum::json).collect(Collectors.joining(", "));
    }
}
