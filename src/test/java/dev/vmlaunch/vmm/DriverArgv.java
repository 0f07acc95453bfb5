package dev.vmlaunch.vmm;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.drivers.VmmDrivers;
import java.util.List;

/** The argv run and print build: through the guest's driver in the registry. */
final class DriverArgv {
    private DriverArgv() {}

    /** Without host facts (no root port reservations). */
    static List<String> build(GuestSpec spec, RunLayout layout) {
        return build(spec, layout, RootPortReserve.NONE);
    }

    static List<String> build(GuestSpec spec, RunLayout layout, RootPortReserve reserve) {
        return VmmDrivers.of(spec.vmm()).argv(spec, layout, reserve);
    }
}
