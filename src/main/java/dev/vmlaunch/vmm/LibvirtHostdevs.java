package dev.vmlaunch.vmm;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpec.Passthrough;
import dev.vmlaunch.config.Machine;
import dev.vmlaunch.config.PciAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Passthrough devices as {@code <hostdev mode='subsystem' type='pci'>}.
 *
 * <p>Functions of one host slot marked {@code multifunction} stay together in the guest: libvirt can only express
 * that with explicit guest addresses, so each such group gets its own root port (q35, virt) or pci-root slot (pc)
 * and its functions are numbered from 0 in host order, with {@code multifunction='on'} on function 0. Everything
 * else is left to libvirt's address assignment, as qemu does without {@code addr=}.
 */
final class LibvirtHostdevs {
    /** On i440fx there are no root ports; these pci-root slots are far above the ones libvirt fills first. */
    private static final int PC_FIRST_GROUP_SLOT = 0x10;

    private final GuestSpec spec;
    private final LibvirtQemuNamespace qemu;
    private final List<String> warnings;

    LibvirtHostdevs(GuestSpec spec, LibvirtQemuNamespace qemu, List<String> warnings) {
        this.spec = spec;
        this.qemu = qemu;
        this.warnings = warnings;
    }

    /** A guest PCI address chosen for a member of a multifunction group. */
    private record GuestSlot(int bus, int slot, int function, boolean multifunction) {}

    /** Fills {@code controllers} (one per multifunction group) and {@code hostdevs} (one per passthrough entry). */
    void build(List<XmlElement> controllers, List<XmlElement> hostdevs) {
        Map<Integer, GuestSlot> placed = placeMultifunctionGroups(controllers);
        List<Passthrough> pts = spec.passthrough();
        for (int i = 0; i < pts.size(); i++) {
            hostdevs.add(hostdev(i, pts.get(i), placed.get(i)));
        }
    }

    private Map<Integer, GuestSlot> placeMultifunctionGroups(List<XmlElement> controllers) {
        List<Passthrough> pts = spec.passthrough();
        // Host slot → indexes into passthrough, for slots where any function asked for multifunction.
        Map<PciAddress, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < pts.size(); i++) {
            if (pts.get(i).multifunction()) {
                groups.computeIfAbsent(slotOf(pts.get(i).host()), k -> new ArrayList<>());
            }
        }
        for (int i = 0; i < pts.size(); i++) {
            List<Integer> g = groups.get(slotOf(pts.get(i).host()));
            if (g != null) {
                g.add(i);
            }
        }
        Map<Integer, GuestSlot> placed = new LinkedHashMap<>();
        int groupNo = 0;
        for (List<Integer> members : groups.values()) {
            members.sort(Comparator.comparing(i -> pts.get(i).host()));
            int bus;
            int slot;
            if (spec.machine() == Machine.PC) {
                bus = 0;
                slot = PC_FIRST_GROUP_SLOT + groupNo;
                if (slot > 0x1f) {
                    throw VmlaunchException.usage("more than " + (0x20 - PC_FIRST_GROUP_SLOT) + " multifunction "
                            + "passthrough groups do not fit on machine pc's PCI bus in the libvirt export (use q35)");
                }
            } else {
                // pcie-root is index 0; libvirt numbers the root ports it adds itself after these.
                bus = groupNo + 1;
                slot = 0;
                controllers.add(XmlElement.of("controller")
                        .attr("type", "pci")
                        .attr("index", Integer.toString(bus))
                        .attr("model", "pcie-root-port"));
            }
            for (int f = 0; f < members.size(); f++) {
                placed.put(members.get(f), new GuestSlot(bus, slot, f, f == 0));
            }
            PciAddress first = pts.get(members.get(0)).host();
            if (first.function() != 0) {
                warnings.add("passthrough " + first + " is the lowest function of its multifunction group but not "
                        + "function 0: libvirt needs a function 0 in the guest slot, so the group's functions are "
                        + "renumbered from 0 in the guest");
            }
            groupNo++;
        }
        return placed;
    }

    private static PciAddress slotOf(PciAddress a) {
        return new PciAddress(a.domain(), a.bus(), a.slot(), 0);
    }

    private XmlElement hostdev(int index, Passthrough pt, GuestSlot guest) {
        XmlElement h = XmlElement.of("hostdev")
                .attr("mode", "subsystem")
                .attr("type", "pci")
                .attr("managed", pt.managed() ? "yes" : "no");
        h.add("driver").attr("name", "vfio");
        PciAddress a = pt.host();
        h.add("source")
                .add("address")
                .attr("domain", String.format("0x%04x", a.domain()))
                .attr("bus", String.format("0x%02x", a.bus()))
                .attr("slot", String.format("0x%02x", a.slot()))
                .attr("function", String.format("0x%x", a.function()));
        if (pt.xVga()) {
            // libvirt has no element for x-vga; a user alias lets <qemu:override> set it on this device only.
            String alias = "ua-vml-hostdev" + index;
            h.add("alias").attr("name", alias);
            qemu.override(alias, "x-vga", new LibvirtQemuNamespace.Property("bool", "true"));
            warnings.add("passthrough " + a + ": libvirt has no x-vga setting; it is set through <qemu:override> "
                    + "on device alias " + alias + " (libvirt does not check it)");
        }
        if (pt.romfile() != null || pt.rombar() != null) {
            XmlElement rom = h.add("rom");
            if (pt.rombar() != null) {
                rom.attr("bar", pt.rombar() ? "on" : "off");
            }
            if (pt.romfile() != null) {
                rom.attr("file", pt.romfile().toString());
            }
        }
        if (guest != null) {
            XmlElement addr = h.add("address")
                    .attr("type", "pci")
                    .attr("domain", "0x0000")
                    .attr("bus", String.format("0x%02x", guest.bus()))
                    .attr("slot", String.format("0x%02x", guest.slot()))
                    .attr("function", String.format("0x%x", guest.function()));
            if (guest.multifunction()) {
                addr.attr("multifunction", "on");
            }
        }
        if (pt.minMsiVectors() != null) {
            warnings.add("passthrough " + a + ": minMsiVectors (" + pt.minMsiVectors() + ") is a vmlaunch check "
                    + "before launch; libvirt has no such check and it is not exported");
        }
        return h;
    }
}
