package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The kernel's rule for whether VFIO may use a group: every device is bound to vfio-pci (or a vfio-pci variant
 * driver) or pci-stub, has no driver, or is a PCI-to-PCI bridge. QEMU's "group N is not viable" comes from this.
 */
public final class Viability {
    public static final String VFIO_PCI = "vfio-pci";

    private Viability() {}

    /** Drivers that leave DMA to VFIO. Vendor variants of vfio-pci (mlx5_vfio_pci, …) count too. */
    public static boolean isVfioFriendly(String driver) {
        return driver == null
                || driver.equals(VFIO_PCI)
                || driver.equals("pci-stub")
                || driver.endsWith("_vfio_pci")
                || driver.endsWith("-vfio-pci")
                || driver.equals("vfio-platform")
                || driver.equals("vfio-fsl-mc");
    }

    /** Whether this device, as it is, keeps its group from being viable. */
    public static boolean blocks(PciDevice d) {
        return !d.isBridge() && !isVfioFriendly(d.driver());
    }

    public static boolean viable(IommuGroup g) {
        return blockers(g, Set.of()).isEmpty() && otherBlockers(g).isEmpty();
    }

    /** The PCI devices that block the group, ignoring those about to be bound to vfio-pci. */
    public static List<PciDevice> blockers(IommuGroup g, Set<PciAddress> willBeBound) {
        List<PciDevice> out = new ArrayList<>();
        for (PciDevice d : g.devices()) {
            if (blocks(d) && !willBeBound.contains(d.address())) {
                out.add(d);
            }
        }
        return out;
    }

    public static List<IommuGroup.OtherMember> otherBlockers(IommuGroup g) {
        List<IommuGroup.OtherMember> out = new ArrayList<>();
        for (IommuGroup.OtherMember m : g.others()) {
            if (!isVfioFriendly(m.driver())) {
                out.add(m);
            }
        }
        return out;
    }
}
