package dev.vmlaunch.vfio;

/** struct vfio_region_info: one BAR, the ROM, config space or a device-specific region. */
public record VfioRegionInfo(int index, int flags, long size, long offset) {

    public boolean readable() {
        return (flags & VfioAbi.VFIO_REGION_INFO_FLAG_READ) != 0;
    }

    public boolean writable() {
        return (flags & VfioAbi.VFIO_REGION_INFO_FLAG_WRITE) != 0;
    }

    public boolean mmappable() {
        return (flags & VfioAbi.VFIO_REGION_INFO_FLAG_MMAP) != 0;
    }

    /** The vfio-pci name of this index: BAR0..BAR5, ROM, CONFIG, VGA, or "region N" beyond them. */
    public String pciName() {
        if (index <= 5) {
            return "BAR" + index;
        }
        return switch (index) {
            case VfioAbi.VFIO_PCI_ROM_REGION_INDEX -> "ROM";
            case VfioAbi.VFIO_PCI_CONFIG_REGION_INDEX -> "CONFIG";
            case VfioAbi.VFIO_PCI_VGA_REGION_INDEX -> "VGA";
            default -> "region " + index;
        };
    }
}
