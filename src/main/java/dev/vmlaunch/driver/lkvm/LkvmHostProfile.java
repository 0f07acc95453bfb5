package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.host.VmmHostProfile;
import dev.vmlaunch.vmm.LkvmCommand;
import java.util.Optional;

/**
 * kvmtool as the host checks see it: always on /dev/kvm, boots a guest WITHOUT a device it cannot open, serves 9p
 * with no security model, and packs every BAR into one 32-bit window.
 *
 * <p>That window, each BAR aligned to its size (pci.c, pci_get_mmio_block): arm64 from KVM_PCI_MMIO_AREA = 0x50000000
 * (the AXI area at 1 GiB plus the 256 MiB config space) to guest RAM at 0x80000000: 768 MiB
 * (arm/include/arm-common/kvm-arch.h, ARM_PCI_MMIO_SIZE). x86_64: from KVM_PCI_MMIO_AREA = 4 GiB - 768 MiB + 32 MiB =
 * 0xd2000000 to the IOAPIC at 0xfec00000: 716 MiB (x86/include/kvm/kvm-arch.h). Its own virtio devices take a little
 * of it too.
 */
final class LkvmHostProfile implements VmmHostProfile {
    static final BarWindow ARM64_WINDOW = new BarWindow(0x50000000L, 0x80000000L);
    static final BarWindow X86_WINDOW = new BarWindow(0xd2000000L, 0xfec00000L);

    @Override
    public String displayName() {
        return "kvmtool";
    }

    @Override
    public String binary(GuestSpec spec) {
        return spec.binaryOr(LkvmCommand.DEFAULT_BINARY);
    }

    @Override
    public boolean usesKvm(GuestSpec spec) {
        return true;
    }

    @Override
    public String foreignArchRemedy() {
        return "use vmm qemu with accel tcg";
    }

    @Override
    public String withoutVfio() {
        return " (lkvm would boot the guest without its devices)";
    }

    @Override
    public boolean honoursShareSecurity() {
        return false;
    }

    @Override
    public Optional<BarWindow> barWindow(Arch arch) {
        return Optional.of(arch == Arch.AARCH64 ? ARM64_WINDOW : X86_WINDOW);
    }
}
