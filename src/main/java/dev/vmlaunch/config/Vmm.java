package dev.vmlaunch.config;

/** The virtual machine monitor that runs the guest. */
public enum Vmm implements JsonEnum {
    QEMU("qemu"),
    LKVM("lkvm");

    private final String json;

    Vmm(String json) {
        this.json = json;
    }

    @Override
    public String json() {
        return json;
    }
}
