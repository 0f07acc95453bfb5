package dev.vmlaunch.config;

/** Interrupt controller: kernel or split on x86_64, a GIC flavour on aarch64. */
public enum IrqChip implements JsonEnum {
    KERNEL("kernel"),
    SPLIT("split"),
    GICV2("gicv2"),
    GICV2M("gicv2m"),
    GICV3("gicv3"),
    GICV3_ITS("gicv3-its");

    private final String json;

    IrqChip(String json) {
        this.json = json;
    }

    @Override
    public String json() {
        return json;
    }
}
