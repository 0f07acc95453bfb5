package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
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
     */
    record Result(boolean viable, OptionalInt msiVectors, OptionalInt msixVectors, String failure) {
        public static Result answered(boolean viable, int msi, int msix) {
            return new Result(viable, OptionalInt.of(msi), OptionalInt.of(msix), null);
        }

        public static Result failed(String why) {
            return new Result(false, OptionalInt.empty(), OptionalInt.empty(), why);
        }
    }
}
