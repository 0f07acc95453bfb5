package dev.vmlaunch.config;

/** Where the guest console goes. */
public enum Console implements JsonEnum {
    SERIAL("serial"),
    VIRTIO("virtio"),
    NONE("none");

    private final String json;

    Console(String json) {
        this.json = json;
    }

    @Override
    public String json() {
        return json;
    }
}
