package dev.vmlaunch.config;

/** QEMU machine type. */
public enum Machine implements JsonEnum {
    Q35("q35"),
    PC("pc"),
    VIRT("virt");

    private final String json;

    Machine(String json) {
        this.json = json;
    }

    @Override
    public String json() {
        return json;
    }
}
