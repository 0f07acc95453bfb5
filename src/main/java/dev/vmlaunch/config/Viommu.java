package dev.vmlaunch.config;

/** The IOMMU the guest sees. */
public enum Viommu implements JsonEnum {
    NONE("none"),
    INTEL("intel"),
    SMMUV3("smmuv3"),
    VIRTIO("virtio");

    private final String json;

    Viommu(String json) {
        this.json = json;
    }

    @Override
    public String json() {
        return json;
    }
}
