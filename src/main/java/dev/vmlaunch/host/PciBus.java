package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.io.IOException;

/**
 * The writes that move a PCI device between drivers. The real implementation writes sysfs files and the kernel
 * reacts; the test fake edits a fake tree the way the kernel would.
 */
public interface PciBus {
    /** Writes {@code driver_override}; null clears it. */
    void setDriverOverride(PciAddress device, String driver) throws IOException;

    /** Detaches the device from its driver ({@code <device>/driver/unbind}). No-op without a driver. */
    void unbind(PciAddress device) throws IOException;

    /** Asks the kernel to find a driver ({@code bus/pci/drivers_probe}); driver_override decides if it is set. */
    void probe(PciAddress device) throws IOException;

    /** Binds to a named driver ({@code bus/pci/drivers/<driver>/bind}). */
    void bind(PciAddress device, String driver) throws IOException;
}
