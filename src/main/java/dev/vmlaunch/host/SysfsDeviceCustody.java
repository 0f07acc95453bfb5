package dev.vmlaunch.host;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The supervisor's device custody on the real host: managed passthrough devices go to vfio-pci through the
 * {@link DeviceBinder} (original drivers recorded on disk first) and come back through it after the guest.
 */
public final class SysfsDeviceCustody implements DeviceCustody {
    private final DeviceBinder binder;

    public SysfsDeviceCustody(DeviceBinder binder) {
        this.binder = binder;
    }

    /** The real host's custody, with its bind records in {@code stateRoot}. */
    public static SysfsDeviceCustody open(Path stateRoot) {
        Host h = Host.system(Optional.empty());
        Host at = new Host(
                h.roots(), stateRoot, h.root(), h.arch(), h.bus(), h.modules(), h.addresses(), h.vfio(), h.names());
        return new SysfsDeviceCustody(at.binder());
    }

    @Override
    public List<PciAddress> bindForGuest(GuestSpec spec) {
        List<PciAddress> managed = spec.passthrough().stream()
                .filter(GuestSpec.Passthrough::managed)
                .map(GuestSpec.Passthrough::host)
                .toList();
        if (managed.isEmpty()) {
            return List.of();
        }
        // Refusals (boot VGA, mounted storage, the NIC with the default route) and rollback are the binder's.
        return binder.bind(managed, false, false, spec.name()).changed();
    }

    @Override
    public List<PciAddress> bindForAttach(String guest, List<PciAddress> devices) {
        return binder.bind(devices, false, false, guest).changed();
    }

    @Override
    public List<PciAddress> heldFor(String guest) {
        return binder.records().stream()
                .filter(r -> guest.equals(r.owner()))
                .map(r -> PciAddress.parse(r.address()))
                .toList();
    }

    @Override
    public void restore(String guest, List<PciAddress> devices) {
        RestoreResult r = binder.restore(devices);
        if (!r.ok()) {
            throw VmlaunchException.failure("could not give back "
                    + r.failures().stream()
                            .map(f -> f.address() + " (" + f.message() + ")")
                            .collect(Collectors.joining(", "))
                    + " of guest \"" + guest + "\"; 'vmlaunch unbind' retries");
        }
    }
}
