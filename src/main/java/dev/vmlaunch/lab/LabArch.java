package dev.vmlaunch.lab;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.config.Arch;
import java.nio.file.Path;

/**
 * What differs between the x86_64 and the aarch64 lab; everything else (the lab host's shares, the jar inside it, the
 * commands it runs, the nested guests' managed NICs and pinning) is one plan for both.
 */
enum LabArch {
    /** A q35 lab host with the intel vIOMMU; nested KVM through TCG's AMD-V (kvm_amd). MSI-X shows as PCI-MSI. */
    X86_64(Arch.X86_64, "vmlinux", "vmlinuz", "PCI-MSI", "4G"),
    /**
     * A virt lab host at EL2 (virtualization=on: KVM is built into Debian's arm64 kernel) with SMMUv3 and a GICv3 ITS;
     * the nested guests' MSIs are translated by the ITS, which /proc/interrupts shows as ITS-MSI.
     */
    AARCH64(Arch.AARCH64, "Image", "Image", "ITS-MSI", "3G");

    final Arch arch;
    /**
     * The kernel qemu boots, the lab host included. x86_64: the ELF inside Debian's bzImage (test-images/build
     * extracts it), booted through its PVH entry, because the bzImage's xz decompressor costs about 2.8 s of emulated
     * CPU in the lab host and again in every nested guest (measured under TCG: 5.3 s → 2.55 s of CPU per boot).
     */
    final String kernelFile;
    /** The kernel kvmtool boots: the bzImage as Debian ships it (x86_64), or the Image. */
    final String lkvmKernelFile;
    /** The /proc/interrupts chip the nested guests' NIC vectors sit on. */
    final String chip;
    /** The lab host's RAM: the lab's JVM, a supervisor JVM per nested guest, and the guests. */
    final String labHostMemory;

    LabArch(Arch arch, String kernelFile, String lkvmKernelFile, String chip, String labHostMemory) {
        this.arch = arch;
        this.kernelFile = kernelFile;
        this.lkvmKernelFile = lkvmKernelFile;
        this.chip = chip;
        this.labHostMemory = labHostMemory;
    }

    /**
     * How long the lab host may run at most, a safety net only (every step waits for its own condition). The arm64
     * lab host is TCG of a foreign architecture, and its nested guests' supervisor JVMs start inside it: at a load of
     * ~18 on 2 cores one nested guest took 401 s from start to its agent's ready line.
     */
    java.time.Duration labHostLimit() {
        return java.time.Duration.ofMinutes(this == X86_64 ? 20 : 45);
    }

    /** The nested guests' boot timeout in the harness, in seconds (until the agent announces itself). */
    int nestedBootTimeout(LabPlan.Mode mode) {
        int base = mode == LabPlan.Mode.KVM ? 420 : 900;
        return this == X86_64 ? base : 2 * base + 60;
    }

    static LabArch of(Arch a) {
        return a == Arch.X86_64 ? X86_64 : AARCH64;
    }

    String json() {
        return arch.json();
    }

    Path kernel(Path images) {
        return images.resolve(json()).resolve(kernelFile);
    }

    Path lkvmKernel(Path images) {
        return images.resolve(json()).resolve(lkvmKernelFile);
    }

    Path initrd(Path images) {
        return images.resolve(json()).resolve("initramfs.gz");
    }

    /** The lab host's machine, IOMMU and irqchip, and its kernel's own arguments. */
    String labHostMachine(ObjectNode g, LabPlan.Mode mode) {
        if (this == X86_64) {
            g.put("machine", "q35").put("viommu", "intel");
            // no_timer_check: on a busy machine the TCG lab host's boot-time IO-APIC timer check can fail and panic the
            // kernel ("timer doesn't work through Interrupt-remapped IO-APIC"); the check is meant for broken hardware.
            // kvm_amd.npt=0: with nested paging, two nested KVM guests at once crashed the lab host even when pinned
            // ("TASK stack guard page was hit" in exc_page_fault, QEMU 7.2's TCG SVM emulation); shadow paging did not.
            return "intel_iommu=on quiet no_timer_check"
                    + (mode == LabPlan.Mode.KVM ? " vmlaunch.modules=kvm kvm_amd.npt=0" : "");
        }
        g.put("machine", "virt").put("viommu", "smmuv3").put("irqchip", "gicv3-its");
        // EL2 for the lab host's kernel, so that it has KVM for its nested guests (QEMU merges -machine options).
        g.putArray("extraArgs").add("-machine").add("virtualization=on");
        return "quiet";
    }

    /** A nested guest's machine (qemu only; lkvm has one machine per architecture). */
    void nestedMachine(ObjectNode g) {
        if (this == X86_64) {
            g.put("machine", "q35");
        } else {
            g.put("machine", "virt").put("irqchip", "gicv3-its");
        }
    }
}
