package dev.vmlaunch.host;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import java.util.Optional;

/**
 * What the host checks need to know of a guest's VMM: its executable, whether it runs on /dev/kvm, what it does
 * without VFIO, whether it honours 9p security models, where it places passthrough BARs. Each VMM's driver package
 * implements it ({@code driver.qemu.QemuHostProfile}, {@code driver.lkvm.LkvmHostProfile}) and the callers of the
 * checks pass the guest's ({@code VmmDrivers.of(spec.vmm()).hostProfile()}), so no check branches on the VMM.
 */
public interface VmmHostProfile {

    /** How messages name the VMM ("qemu", "kvmtool"). */
    String displayName();

    /** The executable that runs {@code spec}: its "binary", else this VMM's default for its architecture. */
    String binary(GuestSpec spec);

    /** Whether {@code spec} runs on /dev/kvm (so KVM must be there and of the guest's architecture). */
    boolean usesKvm(GuestSpec spec);

    /** The remedy when KVM cannot run the guest's architecture on this host. */
    String foreignArchRemedy();

    /** Added to "VFIO is not loaded": what this VMM would do then ("" when it refuses to start). */
    String withoutVfio();

    /** Whether the VMM serves shares with the 9p security model guest.json names (mapped-xattr needs user xattrs). */
    boolean honoursShareSecurity();

    /**
     * The one 32-bit window this VMM places every passthrough BAR in (64-bit ones too) for an {@code arch} guest;
     * empty for a VMM that maps 64-bit BARs above 4 GiB.
     */
    Optional<BarWindow> barWindow(Arch arch);

    /** [base, end) of guest-physical space that holds every BAR, each aligned to its size. */
    record BarWindow(long base, long end) {
        public long size() {
            return end - base;
        }
    }
}
