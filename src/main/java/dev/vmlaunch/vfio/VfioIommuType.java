package dev.vmlaunch.vfio;

/** The container IOMMU models a probe can select, in order of preference (QEMU prefers v2 the same way). */
public enum VfioIommuType {
    TYPE1v2(VfioAbi.VFIO_TYPE1v2_IOMMU),
    TYPE1(VfioAbi.VFIO_TYPE1_IOMMU);

    private final int id;

    VfioIommuType(int id) {
        this.id = id;
    }

    /** The extension id for VFIO_CHECK_EXTENSION and VFIO_SET_IOMMU. */
    public int id() {
        return id;
    }
}
