package dev.vmlaunch.vmm;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Accel;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpec.Cpu;
import dev.vmlaunch.config.GuestSpec.Firmware;
import dev.vmlaunch.config.IrqChip;
import java.util.ArrayList;
import java.util.List;

/**
 * A qemu guest.json as a libvirt domain XML that {@code virsh define} takes unchanged. Where libvirt cannot say
 * something exactly, the export still carries it when it can (through the qemu namespace) and adds a warning that
 * says how it was mapped; nothing is dropped silently. See docs/libvirt.md.
 */
public final class LibvirtDomainXml {
    /** The document and what the user should know about it (printed on stderr). */
    public record Result(String xml, List<String> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    private final GuestSpec spec;
    private final List<String> warnings = new ArrayList<>();
    private final LibvirtQemuNamespace qemu = new LibvirtQemuNamespace();

    private LibvirtDomainXml(GuestSpec spec) {
        this.spec = spec;
    }

    /**
     * Exports {@code spec}, a guest whose VMM libvirt runs (the caller asks the guest's driver first:
     * {@code VmmDriver.libvirtExportRefusal}); a usage error for values XML cannot carry.
     */
    public static Result export(GuestSpec spec) {
        LibvirtDomainXml x = new LibvirtDomainXml(spec);
        XmlElement domain = x.domain();
        try {
            return new Result(XmlWriter.write(domain), x.warnings);
        } catch (XmlWriter.UnwritableValue e) {
            throw VmlaunchException.usage(spec.source() + ": cannot export to libvirt: " + e.getMessage());
        }
    }

    private XmlElement domain() {
        XmlElement domain = XmlElement.of("domain").attr("type", spec.accel() == Accel.TCG ? "qemu" : "kvm");
        domain.add("name").text(spec.name());
        domain.add("description").text("Exported by vmlaunch from " + spec.source());
        domain.add("memory").attr("unit", "MiB").text(Long.toString(spec.memoryMiB()));
        XmlElement vcpu = domain.add("vcpu").attr("placement", "static").text(Integer.toString(spec.cpus()));
        LibvirtCputune.add(spec.affinity(), vcpu, domain);
        os(domain.add("os"));
        features(domain.add("features"));
        cpu(domain);
        domain.add(new LibvirtDevices(spec, qemu, warnings).build());
        extraArgs();
        qemu.appendTo(domain);
        return domain;
    }

    private void os(XmlElement os) {
        os.add("type")
                .attr("arch", spec.arch().json())
                .attr("machine", spec.machine().json())
                .text("hvm");
        Firmware fw = spec.boot().firmware();
        if (fw != null && fw.pflash()) {
            os.add("loader")
                    .attr("readonly", "yes")
                    .attr("type", "pflash")
                    .text(fw.code().toString());
            os.add("nvram").attr("template", fw.vars().toString());
            warnings.add("firmware.vars " + fw.vars() + " becomes libvirt's NVRAM template: libvirt copies it to its "
                    + "own per-domain variable store on first start and never writes the file itself");
        } else if (fw != null) {
            // type='rom' is how libvirt says -bios: a single image mapped read-only, no variable store.
            os.add("loader").attr("type", "rom").text(fw.code().toString());
        }
        if (spec.boot().kernel() != null) {
            os.add("kernel").text(spec.boot().kernel().toString());
            if (spec.boot().initrd() != null) {
                os.add("initrd").text(spec.boot().initrd().toString());
            }
            if (spec.boot().cmdline() != null) {
                os.add("cmdline").text(spec.boot().cmdline());
            }
        } else {
            // qemu's default boot order: hard disk, then CD-ROM.
            if (!spec.storage().disks().isEmpty()) {
                os.add("boot").attr("dev", "hd");
            }
            if (spec.storage().cdrom() != null) {
                os.add("boot").attr("dev", "cdrom");
            }
        }
    }

    private void features(XmlElement features) {
        if (spec.arch() == Arch.X86_64) {
            features.add("acpi");
            features.add("apic");
        } else if (spec.boot().firmware() != null && spec.boot().firmware().pflash()) {
            features.add("acpi");
        } else if (spec.boot().firmware() != null) {
            warnings.add("aarch64 with a single firmware image: libvirt allows ACPI on aarch64 only with pflash UEFI, "
                    + "so the guest gets a device tree instead of ACPI tables");
        }
        Cpu cpu = spec.cpu();
        if (cpu.hypervVendorId() != null) {
            features.add("hyperv").add("vendor_id").attr("state", "on").attr("value", cpu.hypervVendorId());
        }
        if (cpu.hideHypervisor()) {
            features.add("kvm").add("hidden").attr("state", "on");
        }
        IrqChip chip = spec.irqchip();
        if (chip != null) {
            switch (chip) {
                case SPLIT -> features.add("ioapic").attr("driver", "qemu");
                case KERNEL -> features.add("ioapic").attr("driver", "kvm");
                case GICV2, GICV2M -> features.add("gic").attr("version", "2");
                case GICV3 -> {
                    // qemu's "-machine its=off" would be accepted, but the guest would not start: libvirt puts
                    // devices behind pcie-root-ports, which need MSI-X, and a GICv3 without ITS has no MSI controller.
                    features.add("gic").attr("version", "3");
                    warnings.add("irqchip gicv3 (without ITS) is exported as a GICv3 with ITS: libvirt cannot turn "
                            + "the ITS off, and its PCIe root ports need the MSI-X that only the ITS provides");
                }
                case GICV3_ITS -> features.add("gic").attr("version", "3");
                default -> throw new IllegalStateException("unhandled irqchip " + chip);
            }
        }
    }

    private void cpu(XmlElement domain) {
        String model = spec.cpu().model();
        boolean tcg = spec.accel() == Accel.TCG;
        if (model == null) {
            model = tcg ? "max" : "host";
        }
        XmlElement cpu = domain.add("cpu");
        switch (model) {
            case "host" -> {
                cpu.attr("mode", "host-passthrough").attr("check", "none");
                if (tcg) {
                    warnings.add("cpu.model host needs kvm; libvirt (like qemu) refuses host-passthrough with "
                            + "accel tcg (use \"max\")");
                }
            }
            case "max" -> cpu.attr("mode", "maximum").attr("check", "none");
            default -> {
                cpu.attr("mode", "custom").attr("match", "exact").attr("check", "none");
                cpu.add("model").attr("fallback", "forbid").text(model);
            }
        }
    }

    private void extraArgs() {
        if (spec.extraArgs().isEmpty()) {
            return;
        }
        List<String> args = spec.extraArgs();
        args.forEach(qemu::arg);
        for (int i = 0; i + 1 < args.size(); i++) {
            String opt = args.get(i);
            String value = args.get(i + 1);
            if ((opt.equals("-device") || opt.equals("--device"))
                    && !value.startsWith("{")
                    && !value.matches("(^|.*,)addr=.*")) {
                warnings.add("extraArgs[" + (i + 1) + "] \"" + value + "\": qemu creates a keyval -device before "
                        + "libvirt's own (JSON) devices, so without addr= it can take a PCI slot libvirt assigned and "
                        + "the guest will not start; write it as JSON (-device {\"driver\":...}) or give it an addr=");
            }
        }
        warnings.add("extraArgs (" + spec.extraArgs().size() + ") are passed through <qemu:commandline>: libvirt "
                + "does not manage, check or order them, and marks the domain tainted (custom-argv)");
    }
}
