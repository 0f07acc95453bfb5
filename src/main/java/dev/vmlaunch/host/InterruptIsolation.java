package dev.vmlaunch.host;

import dev.vmlaunch.config.GuestSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether MSIs from a passed-through device are isolated, which VFIO requires before it lets a VMM set up the
 * IOMMU: x86 needs interrupt remapping (Intel VT-d IR, AMD-Vi), Arm a GICv3 ITS. Without it and without
 * {@code vfio_iommu_type1.allow_unsafe_interrupts=1} the kernel refuses VFIO_SET_IOMMU with EPERM ("No interrupt
 * remapping support. Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform")
 * and QEMU fails with "failed to set iommu for container: Operation not permitted".
 *
 * <p>Evidence, strongest first: remapped (IR-) or ITS-MSI chips in /proc/interrupts (remapping is on); the Intel
 * ecap register's IR bit 3, AMD's features file, the device tree or ACPI MADT's ITS (the hardware has it).
 */
public final class InterruptIsolation {
    static final String ID = "interrupt-isolation";

    /**
     * @param known    false when /proc/interrupts could not be read: nothing is predicted then
     * @param isolated MSIs are remapped (x86) or go through an ITS (Arm)
     * @param unsafe   allow_unsafe_interrupts=Y: VFIO works without isolation, unsafely
     */
    public record Assessment(
            boolean known, boolean isolated, boolean unsafe, boolean hardwareCan, List<String> evidence) {}

    private InterruptIsolation() {}

    public static Assessment assess(HostRoots roots, boolean arm) {
        List<String> evidence = new ArrayList<>();
        Path interrupts = roots.proc().resolve("interrupts");
        Optional<String> table = read(interrupts, 4 << 20);
        boolean isolated = false;
        boolean hardware = false;
        if (table.isPresent()) {
            long rows = table.get()
                    .lines()
                    .filter(l -> arm ? l.contains("ITS-MSI") : l.contains(" IR-"))
                    .count();
            evidence.add(interrupts + ": " + rows + (arm ? " ITS-MSI" : " remapped (IR-)") + " row"
                    + (rows == 1 ? "" : "s"));
            isolated = rows > 0;
        } else {
            evidence.add(interrupts + ": not readable");
        }
        Path iommu = roots.sysfs().resolve("class/iommu");
        if (!arm) {
            for (String unit : Sysfs.list(iommu)) {
                Optional<String> ecap = Sysfs.attribute(iommu.resolve(unit), "intel-iommu/ecap");
                if (ecap.isPresent()) {
                    boolean ir = irBit(ecap.get());
                    hardware |= ir;
                    evidence.add(iommu.resolve(unit).resolve("intel-iommu/ecap") + " = " + ecap.get() + " (IR, bit 3: "
                            + (ir ? 1 : 0) + ")");
                }
                Optional<String> features = Sysfs.attribute(iommu.resolve(unit), "amd-iommu/features");
                if (features.isPresent()) {
                    // Every AMD-Vi unit remaps interrupts; the features file only says it is there.
                    hardware = true;
                    evidence.add(iommu.resolve(unit).resolve("amd-iommu/features") + " = " + features.get());
                }
            }
        } else if (!isolated) {
            if (devicetreeHasIts(roots.sysfs().resolve("firmware/devicetree/base"), 0)) {
                isolated = true;
                evidence.add(roots.sysfs().resolve("firmware/devicetree/base") + ": an arm,gic-v3-its node");
            } else if (madtHasIts(roots.sysfs().resolve("firmware/acpi/tables/APIC"))) {
                isolated = true;
                evidence.add(roots.sysfs().resolve("firmware/acpi/tables/APIC") + ": a GIC ITS entry");
            }
            hardware = isolated;
        }
        hardware |= isolated;
        Path param = roots.sysfs().resolve("module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
        Optional<String> unsafe = Sysfs.attribute(param.getParent(), "allow_unsafe_interrupts");
        unsafe.ifPresent(v -> evidence.add(param + " = " + v));
        boolean allowed = unsafe.map(v -> v.equals("Y") || v.equals("1")).orElse(false);
        return new Assessment(table.isPresent(), isolated, allowed, hardware, evidence);
    }

    /** The per-device verdict {@code check} shows: MSIs of this guest's devices are isolated, or VFIO will refuse. */
    public static List<DeviceVerdict> verdicts(GuestSpec spec, Assessment a, boolean arm) {
        List<DeviceVerdict> out = new ArrayList<>();
        if (!a.known()) {
            return out;
        }
        for (GuestSpec.Passthrough p : spec.passthrough()) {
            if (a.isolated()) {
                out.add(DeviceVerdict.pass(
                        ID,
                        p.host(),
                        arm ? "MSIs go through a GICv3 ITS" : "MSIs are remapped (interrupt remapping is on)",
                        a.evidence()));
            } else if (a.unsafe()) {
                out.add(DeviceVerdict.warn(
                        ID,
                        p.host(),
                        "no MSI isolation; VFIO allows it only because "
                                + "allow_unsafe_interrupts=Y, so the device can forge interrupts to the host",
                        a.evidence(),
                        remedy(arm, a) + ", then drop allow_unsafe_interrupts"));
            } else {
                out.add(DeviceVerdict.fail(
                        ID,
                        p.host(),
                        "no MSI isolation (" + (arm ? "no GICv3 ITS" : "interrupt " + "remapping is off")
                                + "): the kernel will refuse VFIO_SET_IOMMU and the VMM fails with \"failed "
                                + "to set iommu for container: Operation not permitted\"",
                        a.evidence(),
                        remedy(arm, a)
                                + "; only if the device and the guest are trusted: 'options vfio_iommu_type1 "
                                + "allow_unsafe_interrupts=1' in /etc/modprobe.d/vfio.conf"));
            }
        }
        return out;
    }

    private static String remedy(boolean arm, Assessment a) {
        if (arm) {
            return "use a GICv3 with an ITS (QEMU host: -M virt,gic-version=3,its=on)";
        }
        return (a.hardwareCan()
                        ? "the IOMMU can remap interrupts but it is off: remove intremap=off / nointremap "
                                + "from the kernel command line and enable x2APIC in the firmware"
                        : "enable VT-d / AMD-Vi with interrupt remapping in the firmware")
                + " (in a VM: -device intel-iommu,intremap=on with -M q35,kernel-irqchip=split)";
    }

    // Intel: bit 3 (IR) of the extended capability register each DMAR unit exports.
    static boolean irBit(String ecap) {
        try {
            return (Long.parseUnsignedLong(ecap.strip(), 16) & 0x8) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static boolean devicetreeHasIts(Path node, int depth) {
        if (depth > 4 || !Files.isDirectory(node)) {
            return false;
        }
        if (read(node.resolve("compatible"), 4096).orElse("").contains("arm,gic-v3-its")) {
            return true;
        }
        for (String child : Sysfs.list(node)) {
            Path c = node.resolve(child);
            if (Files.isDirectory(c) && !Files.isSymbolicLink(c) && devicetreeHasIts(c, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    // MADT: a 44-byte header, then entries {u8 type, u8 length, ...}; type 0x0f is a GIC ITS.
    static boolean madtHasIts(Path table) {
        byte[] t;
        try (InputStream in = Files.newInputStream(table)) {
            t = in.readNBytes(1 << 20);
        } catch (IOException e) {
            return false;
        }
        for (int at = 44; at + 2 <= t.length; ) {
            int type = t[at] & 0xff;
            int len = t[at + 1] & 0xff;
            if (type == 0x0f) {
                return true;
            }
            if (len < 2) {
                return false;
            }
            at += len;
        }
        return false;
    }

    private static Optional<String> read(Path p, int max) {
        try (InputStream in = Files.newInputStream(p)) {
            return Optional.of(new String(in.readNBytes(max), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
