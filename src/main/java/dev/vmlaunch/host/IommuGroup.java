package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.util.List;
import java.util.Optional;

/**
 * One IOMMU group: the smallest set of devices that can be given to a guest.
 *
 * @param devices the PCI members, by address
 * @param others  members on other buses (platform devices on Arm hosts); they count for viability too
 */
public record IommuGroup(int id, List<PciDevice> devices, List<OtherMember> others) {
    public IommuGroup {
        devices = List.copyOf(devices);
        others = List.copyOf(others);
    }

    /** A non-PCI member: its sysfs name and driver (null when none). */
    public record OtherMember(String name, String driver) {}

    public Optional<PciDevice> member(PciAddress address) {
        return devices.stream().filter(d -> d.address().equals(address)).findFirst();
    }
}
