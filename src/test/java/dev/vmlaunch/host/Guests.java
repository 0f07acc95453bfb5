package dev.vmlaunch.host;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.drivers.VmmDrivers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** guest.json files for tests, loaded through the real loader. */
final class Guests {
    private Guests() {}

    /** A qemu x86_64 guest with {@code extra} fields (JSON members without braces) and the given passthrough list. */
    static GuestSpec qemu(Path dir, String extra, String passthroughJson) {
        String json =
                "{\"name\": \"g1\", \"vmm\": \"qemu\", \"arch\": \"x86_64\", \"accel\": \"tcg\", \"memory\": \"4G\""
                        + (extra.isEmpty() ? "" : ", " + extra) + ", \"passthrough\": " + passthroughJson + "}";
        return load(dir, json);
    }

    static GuestSpec load(Path dir, String json) {
        try {
            Files.createDirectories(dir);
            Path f = dir.resolve("guest.json");
            Files.writeString(f, json);
            return GuestSpecLoader.load(f, VmmDrivers::rules).spec();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
