package dev.vmlaunch.lava;

import dev.vmlaunch.config.ConfigError;
import dev.vmlaunch.harness.HarnessLoader;
import dev.vmlaunch.harness.HarnessSpec;
import dev.vmlaunch.lab.Lab;
import dev.vmlaunch.lab.LabHostDefinition;
import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code vmlaunch export lava harness.json [--device-type TYPE]}: the job, as YAML text. */
public final class LavaExport {
    /** LAVA's device type for the virtual lab host. */
    public static final String QEMU = "qemu";

    private LavaExport() {}

    public static String job(Path harnessFile, String deviceType, PrintWriter err) {
        HarnessLoader.Loaded loaded = HarnessLoader.load(harnessFile);
        loaded.warnings().stream().map(ConfigError::format).forEach(err::println);
        HarnessSpec h = loaded.spec();
        Path harness = h.source().toAbsolutePath().normalize();
        if (QEMU.equals(deviceType)) {
            Path jar = LabHostDefinition.runningJar();
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            // The harness's folder is the lab host's writable share, so its guests' shares may live in it.
            LavaQemuHost host =
                    LavaQemuHost.of(LabHostDefinition.x86(Lab.defaultImages(), harness.getParent(), java, jar));
            return LavaJob.yaml(LavaJob.qemuLabHost(h, host, java, jar));
        }
        LavaJob.safe(deviceType);
        err.println("vmlaunch: warning: device type '" + deviceType + "' gets a template: replace the deploy and boot "
                + "URLs under example.invalid with your farm's (see docs/lava.md); the board must have vmlaunch on "
                + "PATH and " + harness + " with its guests and images");
        return LavaJob.yaml(LavaJob.board(deviceType, h, harness));
    }
}
