package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;

/**
 * What sysfs says about one PCI device at the moment it was read.
 *
 * @param vendor         four lower-case hex digits, e.g. {@code 10de}
 * @param device         four lower-case hex digits
 * @param classCode      the 24-bit class code (base, subclass, programming interface); -1 when unreadable
 * @param driver         the bound driver's name, null when none
 * @param iommuGroup     null when the device has no IOMMU group (IOMMU off)
 * @param headerType     the config header type without the multi-function bit; null when config is unreadable
 * @param driverOverride the {@code driver_override} value, null when unset
 */
public record PciDevice(
        PciAddress address,
        String vendor,
        String device,
        int classCode,
        String driver,
        Integer iommuGroup,
        Integer headerType,
        boolean bootVga,
        String driverOverride) {

    /** Base class and subclass as four hex digits, as lspci shows them: {@code 0300}. */
    public String classId() {
        return classCode < 0 ? "????" : String.format("%04x", classCode >> 8);
    }

    public int baseClass() {
        return classCode < 0 ? -1 : classCode >> 16;
    }

    /** {@code 10de:13c2}. */
    public String ids() {
        return vendor + ":" + device;
    }

    /** A PCI-to-PCI bridge by class (0x0604, 0x0609) or by header type (1 bridge, 2 CardBus) when config is readable. */
    public boolean isBridge() {
        int cls = classCode >> 8;
        return (classCode >= 0 && (cls == 0x0604 || cls == 0x0609)) || (headerType != null && headerType != 0);
    }

    public boolean hasDriver() {
        return driver != null;
    }
}
