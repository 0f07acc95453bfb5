package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.util.List;

/** What {@link DeviceBinder#bind} did, device by device. */
public record BindResult(List<Change> changes) {
    public BindResult {
        changes = List.copyOf(changes);
    }

    /**
     * One device. {@code changed} false: it was on vfio-pci already and vmlaunch did not touch it (and will not
     * restore it).
     */
    public record Change(PciAddress address, String fromDriver, String toDriver, boolean changed) {}

    /** The devices vmlaunch moved: the ones to hand to {@link DeviceBinder#restore} later. */
    public List<PciAddress> changed() {
        return changes.stream().filter(Change::changed).map(Change::address).toList();
    }
}
