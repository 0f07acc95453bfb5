package dev.vmlaunch.config;

import java.util.Optional;

/**
 * What one VMM accepts of a guest.json and what it fills in that the file left out. Each VMM's driver package
 * implements it ({@code driver.qemu.QemuRules}, {@code driver.lkvm.LkvmRules}); the loader takes a {@link Lookup}
 * (the registry's, {@code drivers.VmmDrivers::rules}) so that config names no VMM. The rules report through the
 * loader's {@link Fields}, so their errors carry file:line:col and JSON path like the loader's own.
 */
public interface VmmRules {

    /** Right after "stop" is read: records an error on {@code guest} when this VMM takes no "stop" object. */
    void checkStop(Fields guest);

    /**
     * Records on {@code guest} every option of {@code draft} this VMM cannot honour, in guest.json's order, and
     * returns {@code draft} with this VMM's defaults (accel, machine, irqchip) and what it really does with the
     * shares filled in. Called once the file's own checks have run, and only when "vmm" and "arch" are valid; the
     * result is discarded when any error was recorded.
     *
     * @param draft    the guest as the file says it, defaults not yet applied
     * @param hostArch this host's architecture, when vmlaunch knows it
     */
    GuestSpec check(Fields guest, GuestSpec draft, Optional<Arch> hostArch);

    /** The rules of each VMM. */
    @FunctionalInterface
    interface Lookup {
        VmmRules of(Vmm vmm);
    }
}
