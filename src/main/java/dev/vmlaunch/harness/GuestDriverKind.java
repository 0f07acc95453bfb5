package dev.vmlaunch.harness;

import dev.vmlaunch.config.JsonEnum;

/** How the harness talks to a guest: its 9p agent (started by the guest's init), or its console (nothing in the guest). */
public enum GuestDriverKind implements JsonEnum {
    AGENT("agent"),
    CONSOLE("console");

    private final String json;

    GuestDriverKind(String json) {
        this.json = json;
    }

    @Override
    public String json() {
        return json;
    }
}
