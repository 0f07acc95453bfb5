package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The kernel's own answer for a device bound to vfio-pci: open /dev/vfio/N, ask whether the group is viable, get
 * the device and read its MSI/MSI-X vector counts. Implemented over the VFIO ioctls in {@code dev.vmlaunch.vfio};
 * this interface keeps the host package free of jnr. Implementations must close every fd before returning: a group
 * node has a single opener, and the VMM needs it next.
 */
public interface VfioProof {
    Result prove(int group, PciAddress device);

    /**
     * @param failure null when the kernel answered; else why it could not (e.g. "cannot open /dev/vfio/5: busy")
     * @param hotResetPeers what VFIO_DEVICE_GET_PCI_HOT_RESET_INFO says a bus reset would reset (the device itself
     *                      included; an empty list when no bus or slot reset is possible); empty when not asked
     */
    record Result(
            boolean viable,
            OptionalInt msiVectors,
            OptionalInt msixVectors,
            String failure,
            Optional<List<PciAddress>> hotResetPeers) {
        public static Result answered(boolean viable, int msi, int msix) {
            return answered(viable, msi, msix, Optional.empty());
        }

        public static Result answered(boolean viable, int msi, int msix, Optional<List<PciAddress>> hotResetPeers) {
            return new Result(viable, OptionalInt.of(msi), OptionalInt.of(msix), null, hotResetPeers);
        }

        public static Result failed(String why) {
            return new Result(false, OptionalInt.empty(), OptionalInt.empty(), why, Optional.empty());
        }
    }
}
