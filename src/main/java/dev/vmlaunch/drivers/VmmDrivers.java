package dev.vmlaunch.drivers;

import dev.vmlaunch.config.Vmm;
import dev.vmlaunch.config.VmmRules;
import dev.vmlaunch.driver.VmmDriver;
import dev.vmlaunch.driver.lkvm.LkvmDriver;
import dev.vmlaunch.driver.qemu.QemuDriver;
import java.util.List;
import java.util.Optional;

/**
 * The one list of VMM drivers: {@code config.Vmm} to the driver that runs it. A new VMM is its {@code Vmm} name, its
 * driver package, and one line here.
 */
public final class VmmDrivers {
    private static final List<VmmDriver> ALL = List.of(new QemuDriver(), new LkvmDriver());

    private VmmDrivers() {}

    public static VmmDriver of(Vmm vmm) {
        for (VmmDriver d : ALL) {
            if (d.vmm() == vmm) {
                return d;
            }
        }
        throw new IllegalStateException("no driver for vmm " + vmm.json() + " in VmmDrivers");
    }

    /** What {@code vmm} takes of a guest.json: the lookup every {@code GuestSpecLoader} entry point is given. */
    public static VmmRules rules(Vmm vmm) {
        return of(vmm).rules();
    }

    /** The driver of a recorded guest (state.json's "vmm"), if vmlaunch knows that name. */
    public static Optional<VmmDriver> named(String vmm) {
        return ALL.stream().filter(d -> d.vmm().json().equals(vmm)).findFirst();
    }

    static List<VmmDriver> all() {
        return ALL;
    }
}
