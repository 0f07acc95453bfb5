package dev.vmlaunch.config;

/** Guest networking. */
public enum Network implements JsonEnum {
    NONE("none"),
    USER("user");

    private final String json;

    Network(String json) {
        this.json = json;
    }

    @Override
    public String json() {
        return json;
    }
}
