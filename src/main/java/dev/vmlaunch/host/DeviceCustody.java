package dev.vmlaunch.host;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Who holds a guest's {@code managed} passthrough devices: they go to vfio-pci before the VMM starts and back to
 * their original drivers once it has ended, whichever way it ended and whoever sees it end (the supervisor, or
 * {@code vmlaunch stop} when the supervisor is gone). {@link SysfsDeviceCustody} does the sysfs work; supervise only
 * decides when, with the custody its caller put in {@code Supervisor.Settings}.
 */
public interface DeviceCustody {

    /**
     * Binds the guest's managed devices to vfio-pci.
     *
     * @return the devices now held for this guest (to pass to {@link #restore} later); empty when none are managed
     * @throws VmlaunchException when a device cannot be taken; nothing stays changed then
     */
    List<PciAddress> bindForGuest(GuestSpec spec);

    /**
     * Binds devices that {@code vmlaunch attach --managed} plugs into running guest {@code guest}: recorded as held for
     * it like its start-time managed devices, so whoever finishes the guest gives them back ({@link #heldFor}).
     *
     * @return the devices this call moved to vfio-pci (those already there are left as they are, and not owed)
     * @throws VmlaunchException when a device cannot be taken; nothing stays changed then
     */
    default List<PciAddress> bindForAttach(String guest, List<PciAddress> devices) {
        throw VmlaunchException.hostNotReady("cannot bind " + devices + " for guest \"" + guest + "\": this vmlaunch "
                + "has no host device support; bind them to vfio-pci yourself and attach without --managed");
    }

    /**
     * Gives {@code devices} back to the drivers they had before {@link #bindForGuest}. Must be safe to call again
     * for devices already given back (a second {@code vmlaunch stop}, a restore after a crash).
     *
     * @throws VmlaunchException when a device could not be given back
     */
    void restore(String guest, List<PciAddress> devices);

    /**
     * The devices that bind records say are still bound for {@code guest}, whether or not its state file names them:
     * a supervisor killed while binding (some bound, records written, state not yet updated) leaves them behind, and
     * so does a restore that failed. Whoever finishes the guest, or starts it again, gives these back first.
     */
    default List<PciAddress> heldFor(String guest) {
        return List.of();
    }

    /** Makes the custody for one state directory (where bind records survive a crash). */
    interface Provider {
        DeviceCustody open(Path stateRoot);
    }

    /**
     * The host's custody for one state folder. {@value #PROVIDER_ENV} may name another {@link Provider} class on the
     * class path instead: the tests' seam (their supervisors record calls and inject faults instead of touching
     * sysfs), chosen explicitly and inherited by the supervisor processes they start.
     */
    static DeviceCustody forStateRoot(Path stateRoot) {
        String chosen = System.getenv(PROVIDER_ENV);
        if (chosen == null || chosen.isEmpty()) {
            return SysfsDeviceCustody.open(stateRoot);
        }
        try {
            Class<?> c = Class.forName(chosen, true, DeviceCustody.class.getClassLoader());
            if (!Provider.class.isAssignableFrom(c)) {
                throw VmlaunchException.usage(PROVIDER_ENV + "=" + chosen + " is not a DeviceCustody.Provider");
            }
            return ((Provider) c.getConstructor().newInstance()).open(stateRoot);
        } catch (ReflectiveOperationException e) {
            throw VmlaunchException.usage(PROVIDER_ENV + "=" + chosen + ": cannot load it (" + e + ")");
        }
    }

    String PROVIDER_ENV = "VMLAUNCH_CUSTODY_PROVIDER";

    static List<PciAddress> managedDevices(GuestSpec spec) {
        return spec.passthrough().stream()
                .filter(GuestSpec.Passthrough::managed)
                .map(GuestSpec.Passthrough::host)
                .toList();
    }
}
