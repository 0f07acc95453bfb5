package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@link PciBus} on the real kernel: each call is one write to a sysfs file, as libvirt does it and Arm's SMMU test engine guide tells users to. */
public final class SysfsPciBus implements PciBus {
    private final Sysfs sysfs;

    public SysfsPciBus(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    @Override
    public void setDriverOverride(PciAddress device, String driver) throws IOException {
        // The kernel clears the override on an empty line; an empty write would never reach it.
        write(sysfs.requireDeviceDir(device).resolve("driver_override"), driver == null ? "\n" : checked(driver));
    }

    @Override
    public void unbind(PciAddress device) throws IOException {
        Path dir = sysfs.requireDeviceDir(device);
        if (!Files.isSymbolicLink(dir.resolve("driver"))) {
            return;
        }
        try {
            write(dir.resolve("driver/unbind"), device.toString());
        } catch (NoSuchFileException e) {
            // the driver let go between the check and the write
        }
    }

    @Override
    public void probe(PciAddress device) throws IOException {
        sysfs.requireDeviceDir(device);
        write(sysfs.pciBus().resolve("drivers_probe"), device.toString());
    }

    @Override
    public void bind(PciAddress device, String driver) throws IOException {
        sysfs.requireDeviceDir(device);
        write(sysfs.pciBus().resolve("drivers").resolve(checked(driver)).resolve("bind"), device.toString());
    }

    private static String checked(String driver) {
        if (!Sysfs.DRIVER_NAME.matcher(driver).matches()) {
            throw new IllegalArgumentException("not a driver name: " + driver);
        }
        return driver;
    }

    private static void write(Path file, String value) throws IOException {
        // WRITE alone: sysfs attributes exist already and must not be created or truncated.
        Files.write(file, value.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
    }
}
