package dev.vmlaunch.harness;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmlaunch.config.ConfigException;
import dev.vmlaunch.config.FuzzAssert;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A harness file, any bytes: it loads or it is a {@link ConfigException}; never another exception or a hang. */
class HarnessLoaderFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void loadsOrFailsWithOneLine(byte[] input) throws IOException {
        Path dir = Files.createTempDirectory("vmlaunch-fuzz-harness");
        Path f = dir.resolve("harness.json");
        try {
            Files.write(f, input);
            HarnessLoader.load(f);
        } catch (ConfigException e) {
            FuzzAssert.oneLineMessage(e);
        } finally {
            Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        }
    }
}
