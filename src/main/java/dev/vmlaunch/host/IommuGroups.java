package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads IOMMU groups from {@code <sysfs>/kernel/iommu_groups}. */
public final class IommuGroups {
    private final Sysfs sysfs;

    public IommuGroups(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    /** Every group, by id. Empty when the IOMMU is off. */
    public List<IommuGroup> scan() {
        List<IommuGroup> out = new ArrayList<>();
        for (int id : sysfs.iommuGroupIds()) {
            out.add(group(id));
        }
        return out;
    }

    /** The group a device is in; empty when the device is missing or has no group. */
    public Optional<IommuGroup> groupOf(PciAddress address) {
        return sysfs.device(address).map(PciDevice::iommuGroup).map(this::group);
    }

    /** Group {@code id} as it is now. */
    public IommuGroup group(int id) {
        List<PciDevice> devices = new ArrayList<>();
        List<IommuGroup.OtherMember> others = new ArrayList<>();
        for (String name : sysfs.iommuGroupMembers(id)) {
            Optional<PciAddress> a =
                    PciAddress.tryParse(name).filter(p -> p.toString().equals(name));
            Optional<PciDevice> d = a.flatMap(sysfs::device);
            if (d.isPresent()) {
                devices.add(d.get());
            } else {
                others.add(new IommuGroup.OtherMember(
                        name, sysfs.groupMemberDriver(id, name).orElse(null)));
            }
        }
        devices.sort((x, y) -> x.address().compareTo(y.address()));
        return new IommuGroup(id, devices, others);
    }
}
