package dev.vmlaunch.lab;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.drivers.VmmDrivers;
import java.nio.file.Path;

/**
 * The x86_64 lab host as other tools see it (the LAVA export boots the very host {@code vmlaunch lab} boots), so
 * that the lab's definition stays in {@link LabPlan} alone.
 */
public final class LabHostDefinition {
    private LabHostDefinition() {}

    /**
     * The lab host with {@code folder} as its writable share (tag "lab"), {@code images} and the folder of {@code jar}
     * as read-only shares, this machine's / as its root over 9p.
     */
    public static GuestSpec x86(Path images, Path folder, Path java, Path jar) {
        String display = "lab-host.json (the x86_64 lab host)";
        return GuestSpecLoader.fromJson(
                        JsonReader.parse(
                                LabPlan.labHost(images, folder, java, jar, LabPlan.Mode.KVM, Lab.LAB_HOST_CPUS),
                                display),
                        folder.resolve("lab-host.json"),
                        display,
                        Arch.host(),
                        VmmDrivers::rules)
                .spec();
    }

    /** The jar this code runs from (a usage error when vmlaunch does not run from its packaged jar). */
    public static Path runningJar() {
        return Lab.runningJar();
    }
}
