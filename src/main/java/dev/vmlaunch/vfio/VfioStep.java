package dev.vmlaunch.vfio;

/** The steps of a probe, in the order they run; a {@link VfioException} names the one that failed. */
public enum VfioStep {
    OPEN_CONTAINER("open container"),
    GET_API_VERSION("VFIO_GET_API_VERSION"),
    CHECK_EXTENSION("VFIO_CHECK_EXTENSION"),
    OPEN_GROUP("open group"),
    GROUP_GET_STATUS("VFIO_GROUP_GET_STATUS"),
    GROUP_SET_CONTAINER("VFIO_GROUP_SET_CONTAINER"),
    SET_IOMMU("VFIO_SET_IOMMU"),
    GROUP_GET_DEVICE_FD("VFIO_GROUP_GET_DEVICE_FD"),
    DEVICE_GET_INFO("VFIO_DEVICE_GET_INFO"),
    DEVICE_GET_REGION_INFO("VFIO_DEVICE_GET_REGION_INFO"),
    DEVICE_GET_IRQ_INFO("VFIO_DEVICE_GET_IRQ_INFO"),
    CLOSE("close"),
    /** Loading the native (jnr-ffi) implementation itself. */
    LOAD_NATIVE("load native access");

    private final String label;

    VfioStep(String label) {
        this.label = label;
    }

    /** The ioctl name or the operation, as a user would search for it. */
    public String label() {
        return label;
    }
}
