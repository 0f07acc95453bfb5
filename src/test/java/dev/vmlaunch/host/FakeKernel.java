package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@link PciBus} that does to a {@link FakeSysfs} what the kernel does to sysfs: unbind removes the driver
 * symlink, drivers_probe honours driver_override (else picks the device's native driver), bind attaches. It
 * records every call and fails on demand, to test rollback.
 */
public final class FakeKernel implements PciBus, ModuleLoader {
    private final FakeSysfs fs;
    public final List<String> calls = new ArrayList<>();
    private final Set<String> failures = new HashSet<>();
    /** Drivers whose probe refuses devices (as vfio-pci refuses a device without an IOMMU group). */
    final Set<String> refusingDrivers = new HashSet<>();

    boolean modprobeRegistersVfio = true;
    /** Runs before each call, with the call, e.g. to look at the state folder at that moment. */
    java.util.function.Consumer<String> spy = c -> {};

    public FakeKernel(FakeSysfs fs) {
        this.fs = fs;
    }

    /** Makes the call {@code op} ("override", "unbind", "probe", "bind", "modprobe") on {@code bdf} throw. */
    public FakeKernel failOn(String op, String bdf) {
        failures.add(op + " " + bdf);
        return this;
    }

    private void maybeFail(String op, String bdf) throws IOException {
        calls.add(op + " " + bdf);
        spy.accept(op + " " + bdf);
        if (failures.remove(op + " " + bdf)) {
            throw new IOException("write error (injected)");
        }
    }

    @Override
    public void setDriverOverride(PciAddress device, String driver) throws IOException {
        maybeFail("override", device + "=" + driver);
        FakeSysfs.write(
                fs.dir(device.toString()).resolve("driver_override"), (driver == null ? "(null)" : driver) + "\n");
    }

    @Override
    public void unbind(PciAddress device) throws IOException {
        maybeFail("unbind", device.toString());
        fs.detach(device.toString());
    }

    @Override
    public void probe(PciAddress device) throws IOException {
        String bdf = device.toString();
        maybeFail("probe", bdf);
        if (Files.isSymbolicLink(fs.dir(bdf).resolve("driver"))) {
            return;
        }
        String override = fs.read(bdf, "driver_override");
        String pick = override.equals("(null)") ? fs.nativeDrivers.get(bdf) : override;
        if (pick != null
                && Files.isDirectory(fs.root().resolve("bus/pci/drivers").resolve(pick))
                && !refusingDrivers.contains(pick)) {
            fs.attach(bdf, pick);
        }
    }

    @Override
    public void bind(PciAddress device, String driver) throws IOException {
        String bdf = device.toString();
        maybeFail("bind", bdf + "=" + driver);
        if (!Files.isDirectory(fs.root().resolve("bus/pci/drivers").resolve(driver))) {
            throw new IOException("No such file or directory");
        }
        if (Files.isSymbolicLink(fs.dir(bdf).resolve("driver"))) {
            throw new IOException("Device or resource busy");
        }
        String override = fs.read(bdf, "driver_override");
        if ((!override.equals("(null)") && !override.equals(driver)) || refusingDrivers.contains(driver)) {
            throw new IOException("No such device");
        }
        fs.attach(bdf, driver);
    }

    @Override
    public void load(String module) throws IOException {
        maybeFail("modprobe", module);
        if (modprobeRegistersVfio && module.equals("vfio-pci")) {
            fs.driver("vfio-pci");
        }
    }
}
