package dev.vmlaunch.config;

/** QEMU accelerator. */
public enum Accel implements JsonEnum {
    KVM("kvm"),
    TCG("tcg");

    private final String json;

    Accel(String json) {
        this.json = json;
    }

    @Override
    public String json() {
        return json;
    }
}
