package dev.vmlaunch.cli;

import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.vfio.VfioIommuType;
import dev.vmlaunch.vfio.VfioIrqInfo;
import dev.vmlaunch.vfio.VfioProbe;
import dev.vmlaunch.vfio.VfioRegionInfo;
import dev.vmlaunch.vfio.VfioReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Debug command: runs the VFIO probe on one group and device and prints what the kernel said. Hidden because
 * `check` is the user's way in; this one exists to see the raw ioctl answers on a real host or lab guest.
 */
@Command(
        name = "vfio-probe",
        hidden = true,
        mixinStandardHelpOptions = true,
        description = "Open /dev/vfio/GROUP, attach it to a container and print what VFIO says about DEVICE.")
public final class VfioProbeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "GROUP", description = "IOMMU group number (the N of /dev/vfio/N).")
    int group;

    @Parameters(index = "1", paramLabel = "DEVICE", description = "PCI address, e.g. 0000:00:02.0.")
    String device;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (group < 0) {
            throw VmlaunchException.usage("GROUP must be a group number >= 0, got " + group);
        }
        PciAddress bdf;
        try {
            bdf = PciAddress.parse(device);
        } catch (IllegalArgumentException e) {
            throw VmlaunchException.usage(e.getMessage());
        }
        VfioReport report = VfioProbe.system(HostRoots.fromEnvironment().dev()).probe(group, bdf);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JsonMappers.pretty().writeValueAsString(asJson(report)));
        } else {
            printText(report, out);
        }
        return 0;
    }

    static void printText(VfioReport r, PrintWriter out) {
        out.printf("group %d, device %s%n", r.groupId(), r.device());
        out.printf(
                "  VFIO API version %d; IOMMU models %s; using %s%n",
                r.apiVersion(),
                r.extensions().stream().sorted().map(VfioIommuType::name).toList(),
                r.iommu());
        out.printf("  group flags 0x%x (%s)%n", r.groupFlags(), r.viable() ? "viable" : "not viable");
        List<String> flags = new ArrayList<>();
        if (r.deviceInfo().pci()) {
            flags.add("PCI");
        }
        if (r.deviceInfo().resettable()) {
            flags.add("RESET");
        }
        out.printf(
                "  device flags 0x%x %s; %d regions, %d IRQ indexes%n",
                r.deviceInfo().flags(),
                flags,
                r.deviceInfo().numRegions(),
                r.deviceInfo().numIrqs());
        for (VfioRegionInfo region : r.regions()) {
            if (region.size() == 0) {
                continue;
            }
            out.printf(
                    "  region %-6s size 0x%x offset 0x%x%s%s%s%n",
                    region.pciName(),
                    region.size(),
                    region.offset(),
                    region.readable() ? " read" : "",
                    region.writable() ? " write" : "",
                    region.mmappable() ? " mmap" : "");
        }
        for (VfioIrqInfo irq : r.irqs()) {
            out.printf("  irq    %-6s count %d flags 0x%x%n", irq.pciName(), irq.count(), irq.flags());
        }
        out.printf("  MSI vectors %d, MSI-X vectors %d%n", r.msiCount(), r.msixCount());
        out.println("  all VFIO fds closed");
    }

    private static Map<String, Object> asJson(VfioReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("group", r.groupId());
        m.put("device", r.device().toString());
        m.put("apiVersion", r.apiVersion());
        m.put(
                "extensions",
                r.extensions().stream().sorted().map(VfioIommuType::name).toList());
        m.put("iommu", r.iommu().name());
        m.put("groupFlags", r.groupFlags());
        m.put("viable", r.viable());
        m.put("deviceFlags", r.deviceInfo().flags());
        m.put("pci", r.deviceInfo().pci());
        m.put("reset", r.deviceInfo().resettable());
        m.put("numRegions", r.deviceInfo().numRegions());
        m.put("numIrqs", r.deviceInfo().numIrqs());
        m.put(
                "regions",
                r.regions().stream()
                        .map(x -> ordered(
                                "index",
                                x.index(),
                                "name",
                                x.pciName(),
                                "flags",
                                x.flags(),
                                "size",
                                x.size(),
                                "offset",
                                x.offset()))
                        .toList());
        m.put(
                "irqs",
                r.irqs().stream()
                        .map(x -> ordered(
                                "index", x.index(), "name", x.pciName(), "flags", x.flags(), "count", x.count()))
                        .toList());
        m.put("msiCount", r.msiCount());
        m.put("msixCount", r.msixCount());
        return m;
    }

    /** Keys in the order given, so the JSON reads the same on every run. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
