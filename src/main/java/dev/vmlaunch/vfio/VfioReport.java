package dev.vmlaunch.vfio;

import dev.vmlaunch.config.PciAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the kernel said about one device in one group, read through the VFIO ioctls a VMM makes before it maps
 * guest memory. Every fd was closed before this record was returned.
 *
 * @param extensions the IOMMU models VFIO_CHECK_EXTENSION reported on the container
 * @param iommu the model VFIO_SET_IOMMU accepted
 * @param groupFlags VFIO_GROUP_GET_STATUS flags, read before the container was set
 * @param regions the regions the kernel described (vfio-pci rejects absent ones, e.g. VGA on most devices)
 * @param irqs the IRQ indexes the kernel described
 * @param hotResetPeers what VFIO_DEVICE_GET_PCI_HOT_RESET_INFO says a bus or slot reset would reset (the device
 *                      itself included); an empty list when the kernel says no such reset is possible (ENODEV);
 *                      empty when it did not answer
 */
public record VfioReport(
        int groupId,
        PciAddress device,
        int apiVersion,
        Set<VfioIommuType> extensions,
        VfioIommuType iommu,
        int groupFlags,
        VfioDeviceInfo deviceInfo,
        List<VfioRegionInfo> regions,
        List<VfioIrqInfo> irqs,
        Optional<List<PciAddress>> hotResetPeers) {

    public VfioReport {
        extensions = Set.copyOf(extensions);
        regions = List.copyOf(regions);
        irqs = List.copyOf(irqs);
        hotResetPeers = hotResetPeers.map(List::copyOf);
    }

    public VfioReport(
            int groupId,
            PciAddress device,
            int apiVersion,
            Set<VfioIommuType> extensions,
            VfioIommuType iommu,
            int groupFlags,
            VfioDeviceInfo deviceInfo,
            List<VfioRegionInfo> regions,
            List<VfioIrqInfo> irqs) {
        this(groupId, device, apiVersion, extensions, iommu, groupFlags, deviceInfo, regions, irqs, Optional.empty());
    }

    public boolean viable() {
        return (groupFlags & VfioAbi.VFIO_GROUP_FLAGS_VIABLE) != 0;
    }

    public Optional<VfioIrqInfo> irq(int index) {
        return irqs.stream().filter(i -> i.index() == index).findFirst();
    }

    /** MSI vectors the device offers (0 without an MSI capability or when not a PCI device). */
    public int msiCount() {
        return deviceInfo.pci()
                ? irq(VfioAbi.VFIO_PCI_MSI_IRQ_INDEX).map(VfioIrqInfo::count).orElse(0)
                : 0;
    }

    /** MSI-X vectors the device offers (its MSI-X table size; 0 without MSI-X). */
    public int msixCount() {
        return deviceInfo.pci()
                ? irq(VfioAbi.VFIO_PCI_MSIX_IRQ_INDEX).map(VfioIrqInfo::count).orElse(0)
                : 0;
    }
}
