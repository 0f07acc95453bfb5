package dev.vmlaunch.vfio;

/** struct vfio_device_info as the kernel filled it in. */
public record VfioDeviceInfo(int flags, int numRegions, int numIrqs) {

    /** A vfio-pci device: region and IRQ indexes have the VFIO_PCI_* meanings. */
    public boolean pci() {
        return (flags & VfioAbi.VFIO_DEVICE_FLAGS_PCI) != 0;
    }

    /** The device supports VFIO_DEVICE_RESET (FLR, PM or bus reset available). */
    public boolean resettable() {
        return (flags & VfioAbi.VFIO_DEVICE_FLAGS_RESET) != 0;
    }
}
