package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Who holds a guest's {@code managed} passthrough devices: they go to vfio-pci before the VMM starts and back to
 * their original drivers once it has ended, whichever way it ended and whoever sees it end (the supervisor, or
 * {@code vmlaunch stop} when the supervisor is gone). The sysfs work lives in the host package; supervise only
 * decides when.
 *
 * <p>Implementations are found with {@link ServiceLoader} ({@link Provider}); without one, guests with managed
 * devices are refused before anything starts.
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

    /** The first {@link Provider} on the class path, else {@link #unavailable()}. */
    static DeviceCustody forStateRoot(Path stateRoot) {
        Iterator<Provider> it = ServiceLoader.load(Provider.class, DeviceCustody.class.getClassLoader()).iterator();
        return it.hasNext() ? it.next().open(stateRoot) : unavailable();
    }

    /** No host support built in: unmanaged devices are fine (the user bound them), managed ones are refused. */
    static DeviceCustody unavailable() {
        return new DeviceCustody() {
            @Override
            public List<PciAddress> bindForGuest(GuestSpec spec) {
                List<PciAddress> managed = managedDevices(spec);
                if (!managed.isEmpty()) {
                    throw VmlaunchException.hostNotReady("cannot bind managed passthrough device(s) " + managed
                            + ": this vmlaunch has no host device support; bind them to vfio-pci yourself and set "
                            + "\"managed\": false");
                }
                return List.of();
            }

            @Override
            public void restore(String guest, List<PciAddress> devices) {
                if (!devices.isEmpty()) {
                    throw VmlaunchException.failure("cannot give " + devices + " back to their drivers: this "
                            + "vmlaunch has no host device support");
                }
            }
        };
    }

    static List<PciAddress> managedDevices(GuestSpec spec) {
        return spec.passthrough().stream().filter(GuestSpec.Passthrough::managed).map(GuestSpec.Passthrough::host)
                .toList();
    }
}
