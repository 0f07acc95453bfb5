package dev.vmlaunch.host;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Checks a guest's passthrough devices against the host as it is now: each exists, has an IOMMU group whose other
 * members are out of the way, is (or may be) on vfio-pci, passes the kernel's VFIO check when /dev/vfio is there,
 * and offers the MSI vectors the guest needs. For {@code check} and for {@code run} before it starts anything.
 */
public final class PassthroughCheck {
    private final Sysfs sysfs;
    private final Path dev;
    private final HostUsage usage;
    private final Optional<VfioProof> proof;
    private final PciIds names;
    private final Optional<DeviceDiagnosis> diagnosis;
    private final Map<PciAddress, List<PciAddress>> hotResetPeers = new HashMap<>();
    private List<DeviceVerdict> verdicts = List.of();

    public PassthroughCheck(Sysfs sysfs, Path devRoot, HostUsage usage, Optional<VfioProof> proof, PciIds names) {
        this(sysfs, devRoot, usage, proof, names, Optional.empty());
    }

    /** @param diagnosis the before-launch device verdicts (reset, BARs, MMIO window) to add; empty: none */
    public PassthroughCheck(
            Sysfs sysfs,
            Path devRoot,
            HostUsage usage,
            Optional<VfioProof> proof,
            PciIds names,
            Optional<DeviceDiagnosis> diagnosis) {
        this.sysfs = sysfs;
        this.dev = devRoot;
        this.usage = usage;
        this.proof = proof;
        this.names = names;
        this.diagnosis = diagnosis;
    }

    /**
     * Every problem at once, in the order of guest.json's passthrough list, then the device verdicts that warn or
     * fail (all verdicts are kept for {@link #verdicts} and the summary).
     */
    public List<Problem> check(GuestSpec spec, VmmHostProfile vmm) {
        List<Problem> out = new ArrayList<>();
        Set<PciAddress> passed = new HashSet<>();
        spec.passthrough().forEach(p -> passed.add(p.host()));
        Set<Integer> groupsReported = new HashSet<>();
        hotResetPeers.clear();
        for (GuestSpec.Passthrough p : spec.passthrough()) {
            check(p, passed, groupsReported, out);
        }
        verdicts = diagnosis.map(d -> d.guest(spec, vmm, hotResetPeers)).orElse(List.of());
        verdicts.stream().filter(v -> !v.passed()).map(DeviceVerdict::problem).forEach(out::add);
        return out;
    }

    /** The device verdicts of the last {@link #check}, pass ones included. */
    public List<DeviceVerdict> verdicts() {
        return verdicts;
    }

    /**
     * What {@code check} prints before the problems: for each passthrough device its driver and group, and every
     * other member of the group with its driver and whether it blocks.
     */
    public List<String> summary(GuestSpec spec) {
        List<String> out = new ArrayList<>();
        Set<PciAddress> passed = new HashSet<>();
        spec.passthrough().forEach(p -> passed.add(p.host()));
        for (GuestSpec.Passthrough p : spec.passthrough()) {
            Optional<PciDevice> found = sysfs.device(p.host());
            if (found.isEmpty()) {
                out.add(p.host() + ": not found");
                continue;
            }
            PciDevice d = found.get();
            String driver = DeviceBinder.orNone(d.driver());
            String binding = Viability.VFIO_PCI.equals(d.driver())
                    ? "on vfio-pci"
                    : p.managed() ? "on " + driver + ", bound to vfio-pci at run (managed)" : "on " + driver;
            if (d.iommuGroup() == null) {
                out.add(PciLabels.labelled(names, d) + ": " + binding + ", no IOMMU group");
                continue;
            }
            IommuGroup g = new IommuGroups(sysfs).group(d.iommuGroup());
            out.add(PciLabels.labelled(names, d) + ": " + binding + ", IOMMU group " + g.id());
            for (PciDevice m : g.devices()) {
                if (m.address().equals(d.address())) {
                    continue;
                }
                String verdict = passed.contains(m.address())
                        ? "passed through too"
                        : m.isBridge() ? "bridge, does not block" : Viability.blocks(m) ? "BLOCKS" : "does not block";
                out.add("  " + PciLabels.labelled(names, m) + " on " + DeviceBinder.orNone(m.driver()) + ": "
                        + verdict);
            }
            for (IommuGroup.OtherMember m : g.others()) {
                out.add("  " + m.name() + " on " + DeviceBinder.orNone(m.driver()) + ": "
                        + (Viability.isVfioFriendly(m.driver()) ? "does not block" : "BLOCKS"));
            }
            for (DeviceVerdict v : verdicts) {
                if (v.device().equals(d.address())) {
                    out.add("  " + v.status() + " " + v.line());
                }
            }
        }
        return out;
    }

    private void check(
            GuestSpec.Passthrough p, Set<PciAddress> passed, Set<Integer> groupsReported, List<Problem> out) {
        PciAddress a = p.host();
        Optional<PciDevice> found = sysfs.device(a);
        if (found.isEmpty()) {
            out.add(Problem.error(
                    "passthrough device " + a + " does not exist on this host",
                    "check the address with 'vmlaunch groups' or 'lspci -D'"));
            return;
        }
        PciDevice d = found.get();
        if (d.isBridge()) {
            out.add(Problem.error(
                    PciLabels.labelled(names, d) + " is a PCI bridge: VFIO cannot pass bridges",
                    "pass the device behind it"));
            return;
        }
        if (d.iommuGroup() == null) {
            out.add(
                    Problem.error(
                            a + " has no IOMMU group: the IOMMU is off",
                            "enable VT-d / AMD-Vi (SMMU on Arm) in the firmware and the kernel; 'vmlaunch host check' says how"));
            return;
        }
        int groupId = d.iommuGroup();
        boolean onVfio = Viability.VFIO_PCI.equals(d.driver()) || isVariant(d.driver());
        if (!onVfio && !p.managed()) {
            out.add(Problem.error(
                    PciLabels.labelled(names, d) + " is bound to " + DeviceBinder.orNone(d.driver()) + ", not vfio-pci",
                    "run 'vmlaunch bind " + a + "', or set \"managed\": true in guest.json"));
        }
        if (!onVfio && p.managed()) {
            for (String why : usage.reasons(d)) {
                out.add(Problem.error(
                        "run would take " + a + " from the host, but " + why,
                        "pass another device, or bind it yourself ('vmlaunch bind --force " + a
                                + "') and set \"managed\": false"));
            }
        }

        IommuGroup group = new IommuGroups(sysfs).group(groupId);
        if (groupsReported.add(groupId)) {
            for (PciDevice m : Viability.blockers(group, passed)) {
                out.add(Problem.error(
                        PciLabels.labelled(names, m) + " shares IOMMU group " + groupId + " with " + a
                                + " and is bound to " + m.driver(),
                        "bind it to vfio-pci too ('vmlaunch bind --group " + a
                                + "'), or move the card to a slot with its own group"));
            }
            for (IommuGroup.OtherMember m : Viability.otherBlockers(group)) {
                out.add(Problem.error(
                        m.name() + " shares IOMMU group " + groupId + " with " + a + " and is bound to " + m.driver(),
                        "unbind it from " + m.driver() + " (or bind it to vfio-platform)"));
            }
        }

        OptionalInt msi = OptionalInt.empty();
        OptionalInt msix = OptionalInt.empty();
        Path groupNode = dev.resolve("vfio").resolve(Integer.toString(groupId));
        if (onVfio && Files.isDirectory(dev.resolve("vfio")) && Viability.viable(group)) {
            if (!Files.exists(groupNode)) {
                out.add(Problem.error(
                        a + " is on vfio-pci but " + groupNode + " does not exist",
                        "reload vfio-pci ('vmlaunch unbind " + a + "' then 'vmlaunch bind " + a + "')"));
            } else if (!Files.isReadable(groupNode) || !Files.isWritable(groupNode)) {
                out.add(VfioAccess.problem(groupNode, groupId, System.getProperty("user.name", "USER")));
            } else if (proof.isPresent()) {
                VfioProof.Result r = proof.get().prove(groupId, a);
                if (r.failure() != null) {
                    out.add(Problem.error(
                            "VFIO check of " + a + " in group " + groupId + " failed: " + r.failure(),
                            "close whatever holds " + groupNode + " (another guest?) and check 'vmlaunch host check'"));
                } else if (!r.viable()) {
                    out.add(Problem.error(
                            "the kernel says IOMMU group " + groupId + " is not viable",
                            "every device in the group must be on vfio-pci, pci-stub or no driver ('vmlaunch groups --device "
                                    + a + "')"));
                } else {
                    msi = r.msiVectors();
                    msix = r.msixVectors();
                    r.hotResetPeers().ifPresent(peers -> hotResetPeers.put(a, peers));
                }
            }
        }

        if (p.minMsiVectors() != null) {
            int need = p.minMsiVectors();
            if (msi.isEmpty() && msix.isEmpty()) {
                Optional<ConfigSpace.MsiCounts> c = ConfigSpace.msiCounts(sysfs.config(a));
                if (c.isPresent()) {
                    msi = OptionalInt.of(c.get().msi());
                    msix = OptionalInt.of(c.get().msix());
                }
            }
            if (msi.isEmpty() && msix.isEmpty()) {
                out.add(Problem.warning(
                        "cannot read the MSI/MSI-X capabilities of " + a
                                + " (config space past 64 bytes needs root): minMsiVectors " + need + " not checked",
                        "run 'vmlaunch check' as root"));
            } else if (Math.max(msi.orElse(0), msix.orElse(0)) < need) {
                out.add(Problem.error(
                        PciLabels.labelled(names, d) + " offers " + msi.orElse(0) + " MSI and " + msix.orElse(0)
                                + " MSI-X vectors; the guest needs " + need + " (minMsiVectors)",
                        "pass a device that offers " + need + " vectors, or lower minMsiVectors"));
            }
        }
    }

    private static boolean isVariant(String driver) {
        return driver != null && (driver.endsWith("_vfio_pci") || driver.endsWith("-vfio-pci"));
    }
}
