package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The boot-time setup the GPU and FPGA passthrough guides describe, for chosen devices: {@code vfio-pci.ids=} on the kernel command
 * line, {@code /etc/modprobe.d/vfio.conf}, the initramfs modules (Debian/Ubuntu and Arch), and the commands to apply
 * them. Text only: it changes nothing.
 */
public final class PersistentSetup {
    private final Sysfs sysfs;
    private final HostRoots roots;
    private final BindStateStore store;
    private final PciIds names;
    private final String arch;

    public PersistentSetup(HostRoots roots, BindStateStore store, PciIds names, String arch) {
        this.sysfs = new Sysfs(roots.sysfs());
        this.roots = roots;
        this.store = store;
        this.names = names;
        this.arch = arch;
    }

    public String render(List<PciAddress> devices) {
        List<PciDevice> chosen = new ArrayList<>();
        for (PciAddress a : new LinkedHashSet<>(devices)) {
            chosen.add(sysfs.requireDevice(a));
        }
        Set<String> ids = new LinkedHashSet<>();
        Set<String> drivers = new LinkedHashSet<>();
        StringBuilder out = new StringBuilder();
        out.append("# Persistent vfio-pci binding for:\n");
        for (PciDevice d : chosen) {
            ids.add(d.ids());
            String original = originalDriver(d);
            if (original != null && !Viability.isVfioFriendly(original)) {
                drivers.add(original);
            }
            out.append("#   ")
                    .append(d.address())
                    .append("  ")
                    .append(PciLabels.name(names, d))
                    .append("  driver now: ")
                    .append(DeviceBinder.orNone(d.driver()))
                    .append('\n');
        }
        out.append("# vmlaunch changed nothing. Apply these as root, then reboot.\n");
        warnings(chosen, ids, out);
        String idList = String.join(",", ids);

        KernelCommandLine cmdline = KernelCommandLine.read(roots.proc());
        List<String> add = new ArrayList<>();
        if (!arch.equals("aarch64")) {
            String vendor = read(roots.proc().resolve("cpuinfo")).toLowerCase(Locale.ROOT);
            String flag = vendor.contains("authenticamd") ? "amd_iommu" : "intel_iommu";
            if (cmdline.value(flag).isEmpty()) {
                add.add(flag + "=on");
            }
            if (!cmdline.hasOption("iommu", "pt")) {
                add.add("iommu=pt");
            }
        }
        Set<String> allIds = new LinkedHashSet<>();
        cmdline.value("vfio-pci.ids").ifPresent(v -> allIds.addAll(List.of(v.split(","))));
        allIds.addAll(ids);
        add.add("vfio-pci.ids=" + String.join(",", allIds));

        out.append("\n# 1. Kernel command line: add to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub\n");
        out.append("#    ").append(String.join(" ", add)).append('\n');
        out.append("#    e.g. GRUB_CMDLINE_LINUX_DEFAULT=\"quiet ")
                .append(String.join(" ", add))
                .append("\"\n");
        out.append("sudo update-grub        # or: sudo grub-mkconfig -o /boot/grub/grub.cfg\n");

        out.append("\n# 2. /etc/modprobe.d/vfio.conf\n");
        out.append("options vfio-pci ids=").append(idList).append('\n');
        for (String drv : drivers) {
            // softdep makes vfio-pci load first, so it wins the device before its own driver does.
            out.append("softdep ").append(drv.replace('-', '_')).append(" pre: vfio-pci\n");
        }

        out.append("\n# 3. Load vfio-pci early, from the initramfs, before any GPU driver\n");
        out.append("# Debian/Ubuntu: append to /etc/initramfs-tools/modules\n");
        out.append("vfio\nvfio_iommu_type1\nvfio_pci\n");
        out.append("sudo update-initramfs -u\n");
        out.append(
                "# Arch (mkinitcpio): in /etc/mkinitcpio.conf, vfio first (kernels before 6.2 also need vfio_virqfd)\n");
        out.append("MODULES=(vfio_pci vfio vfio_iommu_type1 ...)\n");
        out.append("HOOKS=(... modconf ...)\n");
        out.append("sudo mkinitcpio -P\n");

        out.append("\n# 4. After the reboot, check\n");
        for (String id : ids) {
            out.append("lspci -nnk -d ").append(id).append("        # Kernel driver in use: vfio-pci\n");
        }
        out.append("vmlaunch groups --device ").append(chosen.get(0).address()).append('\n');
        return out.toString();
    }

    private void warnings(List<PciDevice> chosen, Set<String> ids, StringBuilder out) {
        Set<PciAddress> picked = new LinkedHashSet<>();
        chosen.forEach(d -> picked.add(d.address()));
        for (PciDevice other : sysfs.devices()) {
            if (!picked.contains(other.address()) && ids.contains(other.ids())) {
                out.append("# warning: ")
                        .append(other.address())
                        .append(" has the same ids ")
                        .append(other.ids())
                        .append(": vfio-pci.ids takes it at boot too (use 'vmlaunch bind' at startup instead)\n");
            }
        }
        Set<Integer> seen = new LinkedHashSet<>();
        for (PciDevice d : chosen) {
            if (d.bootVga()) {
                out.append("# warning: ")
                        .append(d.address())
                        .append(" is the boot VGA device: the host console loses it\n");
            }
            if (d.iommuGroup() == null) {
                out.append("# warning: ")
                        .append(d.address())
                        .append(" has no IOMMU group: enable the IOMMU first" + " (see 'vmlaunch host check')\n");
            } else if (seen.add(d.iommuGroup())) {
                for (PciDevice m : new IommuGroups(sysfs).group(d.iommuGroup()).devices()) {
                    if (!picked.contains(m.address()) && Viability.blocks(m)) {
                        out.append("# note: ")
                                .append(PciLabels.labelled(names, m))
                                .append(" shares IOMMU group ")
                                .append(d.iommuGroup())
                                .append(" and is not in this list: the group will not be viable"
                                        + " while it stays on ")
                                .append(m.driver())
                                .append('\n');
                    }
                }
            }
        }
    }

    private String originalDriver(PciDevice d) {
        if (d.driver() != null && !Viability.VFIO_PCI.equals(d.driver())) {
            return d.driver();
        }
        Optional<BindRecord> r;
        try {
            r = store.read(d.address());
        } catch (RuntimeException e) {
            r = Optional.empty();
        }
        return r.map(BindRecord::originalDriver).orElse(null);
    }

    private static String read(java.nio.file.Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
