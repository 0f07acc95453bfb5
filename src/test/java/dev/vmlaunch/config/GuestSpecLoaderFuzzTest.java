package dev.vmlaunch.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmlaunch.drivers.VmmDrivers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * guest.json, any bytes: it loads, or it is a {@link ConfigException} with one line per problem; never another
 * exception. The corpus (GuestSpecLoaderFuzzTestInputs/) starts from examples/*.json; see README "Fuzzing".
 */
class GuestSpecLoaderFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void loadsOrFailsWithOneLine(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            Json root = JsonReader.parse(text, "guest.json");
            GuestSpecLoader.fromJson(
                    root,
                    Path.of("/nonexistent/fuzz/guest.json"),
                    "guest.json",
                    Optional.of(Arch.X86_64),
                    VmmDrivers::rules);
        } catch (ConfigException e) {
            FuzzAssert.oneLineMessage(e);
        }
    }
}
