package dev.vmlaunch.host;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.drivers.VmmDrivers;

/** The real host profile of a guest's VMM, as the CLI passes it to the checks. */
final class Profiles {
    private Profiles() {}

    static VmmHostProfile of(GuestSpec spec) {
        return VmmDrivers.of(spec.vmm()).hostProfile();
    }
}
