package dev.vmlaunch.vmm;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.drivers.VmmDrivers;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;

/** Guests for tests: the example files under src/test/resources/libvirt/, or inline guest.json text. */
final class Guests {
    private Guests() {}

    static Path example(String name) {
        try {
            var url = Guests.class.getResource("/libvirt/" + name);
            if (url == null) {
                throw new AssertionError("missing test resource libvirt/" + name);
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static GuestSpec load(String exampleName) {
        return GuestSpecLoader.load(example(exampleName), VmmDrivers::rules).spec();
    }

    /** Parses guest.json text as if it were /guests/guest.json on an x86_64 host. */
    static GuestSpec parse(String json) {
        return GuestSpecLoader.fromJson(
                        JsonReader.parse(json, "guest.json"),
                        Path.of("/guests/guest.json"),
                        "guest.json",
                        Optional.of(Arch.X86_64),
                        VmmDrivers::rules)
                .spec();
    }
}
