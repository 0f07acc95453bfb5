package dev.vmlaunch.driver.qemu;

import dev.vmlaunch.config.Accel;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.Fields;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpec.Passthrough;
import dev.vmlaunch.config.IrqChip;
import dev.vmlaunch.config.Json;
import dev.vmlaunch.config.Machine;
import dev.vmlaunch.config.Viommu;
import dev.vmlaunch.config.VmmRules;
import java.util.List;
import java.util.Optional;

/**
 * What QEMU takes of a guest.json: machines and irqchips of the guest's architecture, a vIOMMU its machine can carry,
 * hotplug slots on PCIe machines only. Fills in accel kvm, the architecture's machine (q35, virt), split irqchip for
 * the intel vIOMMU and gicv3-its on aarch64.
 */
public final class QemuRules implements VmmRules {

    @Override
    public void checkStop(Fields guest) {
        if (guest.has("stop")) {
            guest.error("stop", "\"stop\" is for lkvm guests (qemu's stop presses the guest's power button)");
        }
    }

    @Override
    public GuestSpec check(Fields f, GuestSpec draft, Optional<Arch> hostArch) {
        Arch arch = draft.arch();
        Machine machine = draft.machine();
        IrqChip irqchip = draft.irqchip();
        Viommu viommu = draft.viommu();
        List<Passthrough> passthrough = draft.passthrough();
        if (f.has("mte")) {
            f.error("mte", "\"mte\" is an lkvm option (for qemu use extraArgs with -M virt,mte=on)");
        }
        if (machine == null) {
            machine = arch == Arch.X86_64 ? Machine.Q35 : Machine.VIRT;
        } else if (arch == Arch.X86_64 && machine == Machine.VIRT) {
            f.error("machine", "\"virt\" is an aarch64 machine (x86_64: q35 or pc)");
        } else if (arch == Arch.AARCH64 && machine != Machine.VIRT) {
            f.error("machine", "\"" + machine.json() + "\" is an x86_64 machine (aarch64: virt)");
        }
        Accel accel = draft.accel() == null ? Accel.KVM : draft.accel();
        if (irqchip != null) {
            boolean x86Chip = irqchip == IrqChip.KERNEL || irqchip == IrqChip.SPLIT;
            if (arch == Arch.X86_64 && !x86Chip) {
                f.error("irqchip", "\"" + irqchip.json() + "\" is an aarch64 GIC (x86_64: kernel or split)");
            } else if (arch == Arch.AARCH64 && x86Chip) {
                f.error(
                        "irqchip",
                        "\"" + irqchip.json() + "\" is an x86_64 irqchip (aarch64: gicv2, gicv2m, gicv3, gicv3-its)");
            }
        }
        switch (viommu) {
            case INTEL -> {
                if (arch != Arch.X86_64 || machine != Machine.Q35) {
                    f.error("viommu", "the intel vIOMMU needs arch x86_64 and machine q35");
                } else if (irqchip == IrqChip.KERNEL) {
                    f.error(
                            "irqchip",
                            "the intel vIOMMU needs \"split\": interrupt remapping (intremap=on) "
                                    + "works only with kernel-irqchip=split");
                } else {
                    irqchip = IrqChip.SPLIT;
                }
            }
            case SMMUV3 -> {
                if (arch != Arch.AARCH64) {
                    f.error("viommu", "smmuv3 is an Arm IOMMU (x86_64: intel or virtio)");
                }
            }
            default -> {}
        }
        if (arch == Arch.X86_64 && irqchip == IrqChip.SPLIT && viommu != Viommu.INTEL) {
            f.warn(
                    "irqchip",
                    "split without the intel vIOMMU gains nothing and breaks INTx resampling "
                            + "for assigned devices (remove it, or set \"viommu\": \"intel\")");
        }
        if (arch == Arch.AARCH64 && irqchip == null) {
            irqchip = IrqChip.GICV3_ITS;
        }
        if (arch == Arch.AARCH64) {
            x86OnlyOnArm(f, passthrough);
        }
        if (machine == Machine.PC && viommu == Viommu.VIRTIO) {
            f.error("viommu", "virtio-iommu needs a PCIe machine (q35)");
        }
        boolean anyXVga = passthrough.stream().anyMatch(Passthrough::xVga);
        String vga = f.string("vga").orElse(null);
        if (anyXVga && vga != null && !vga.equals("none")) {
            f.warn("vga", "with an x-vga passthrough GPU the emulated VGA should be \"none\"");
        }
        // Root ports for 'vmlaunch attach' exist on PCIe machines only.
        if (draft.hotplugSlots() != 0 && machine == Machine.PC) {
            f.error(
                    "hotplugSlots",
                    "hotplug slots are PCIe root ports, which the pc machine has not (use " + "\"machine\": \"q35\")");
        }
        return draft.withVmmDefaults(accel, machine, irqchip, draft.shares());
    }

    /** Hypervisor hiding and VGA passthrough are x86_64 features. */
    private static void x86OnlyOnArm(Fields f, List<Passthrough> passthrough) {
        if (f.node("cpu").isPresent() && f.node("cpu").get() instanceof Json.Obj o) {
            for (String k : List.of("hideHypervisor", "hypervVendorId")) {
                if (o.members().containsKey(k)) {
                    f.problems()
                            .error(
                                    o.members().get(k).value().at(),
                                    f.pathOf("cpu") + "." + k,
                                    "hypervisor hiding exists on x86_64 only");
                }
            }
        }
        for (int i = 0; i < passthrough.size(); i++) {
            if (passthrough.get(i).xVga()) {
                f.itemError("passthrough", i, "xVga", "VGA passthrough (x-vga) exists on x86_64 only");
            }
        }
    }
}
