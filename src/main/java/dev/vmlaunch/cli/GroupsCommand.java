package dev.vmlaunch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.host.DeviceDiagnosis;
import dev.vmlaunch.host.DeviceVerdict;
import dev.vmlaunch.host.Host;
import dev.vmlaunch.host.IommuGroup;
import dev.vmlaunch.host.PciDevice;
import dev.vmlaunch.host.Viability;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "groups",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "List IOMMU groups with each device's class, ids, driver and a viability verdict.",
            "A group is viable when every device is on vfio-pci or pci-stub, has no driver, or is a PCI bridge."
        },
        footer = {"Exit 3 when there are no IOMMU groups, or when the --device's group is not viable."})
public final class GroupsCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON: {\"groups\":[{\"id\",\"viable\",\"devices\":[...]}]}.")
    boolean json;

    @Option(names = "--device", paramLabel = "BDF", description = "Only the group of this device.")
    String device;

    @Option(
            names = "--diagnose",
            description = "Also each device's before-launch verdicts (reset, BARs, boot "
                    + "framebuffer) with the files they were read from; in --json as \"verdicts\" per device.")
    boolean diagnose;

    @Spec
    CommandSpec spec;

    private Host host;

    public GroupsCommand() {}

    GroupsCommand(Host host) {
        this.host = host;
    }

    @Override
    public Integer call() throws Exception {
        PciAddress only =
                device == null ? null : HostCli.addresses(List.of(device)).get(0);
        Host h = host != null ? host : Host.system();
        List<IommuGroup> groups;
        if (only != null) {
            PciDevice d = h.sysfs().requireDevice(only);
            if (d.iommuGroup() == null) {
                throw VmlaunchException.hostNotReady(
                        only + " has no IOMMU group: the IOMMU is off (see 'vmlaunch host check')");
            }
            groups = List.of(h.groups().group(d.iommuGroup()));
        } else {
            groups = h.groups().scan();
        }
        PrintWriter out = spec.commandLine().getOut();
        DeviceDiagnosis diagnosis = diagnose ? h.diagnosis() : null;
        if (json) {
            out.println(toJson(groups, diagnosis));
        } else {
            print(h, groups, out, diagnosis);
        }
        if (groups.isEmpty()) {
            spec.commandLine()
                    .getErr()
                    .println("vmlaunch: no IOMMU groups: the IOMMU is off (see 'vmlaunch host check')");
            return ExitCodes.HOST_NOT_READY;
        }
        return only != null && !Viability.viable(groups.get(0)) ? ExitCodes.HOST_NOT_READY : ExitCodes.OK;
    }

    private static void print(Host h, List<IommuGroup> groups, PrintWriter out, DeviceDiagnosis diagnosis) {
        for (IommuGroup g : groups) {
            List<PciDevice> blockers = Viability.blockers(g, Set.of());
            int blocking = blockers.size() + Viability.otherBlockers(g).size();
            out.println("IOMMU group " + g.id() + ": "
                    + (blocking == 0
                            ? "viable"
                            : "not viable (" + blocking + (blocking == 1 ? " device blocks" : " devices block")
                                    + " it)"));
            for (PciDevice d : g.devices()) {
                // The lspci -nn form passthrough guides show: "VGA compatible controller [0300]: NVIDIA … [10de:13c2]".
                String cls = d.classCode() < 0 ? "Device" : h.names().className(d.classCode() >> 8);
                StringBuilder line = new StringBuilder("  ")
                        .append(d.address())
                        .append("  ")
                        .append(cls)
                        .append(" [")
                        .append(d.classId())
                        .append("]: ")
                        .append(h.names().describe(d).orElse("Device"))
                        .append(" [")
                        .append(d.ids())
                        .append("]  driver: ")
                        .append(d.driver() == null ? "none" : d.driver());
                if (d.isBridge()) {
                    line.append("  bridge");
                }
                if (Viability.blocks(d)) {
                    line.append("  BLOCKS");
                }
                out.println(line);
                if (diagnosis != null && !d.isBridge()) {
                    for (DeviceVerdict v : diagnosis.device(d.address(), Optional.empty())) {
                        out.println("      " + v.status() + " " + v.line());
                        if (v.remedy() != null) {
                            out.println("        fix: " + v.remedy());
                        }
                    }
                }
            }
            for (IommuGroup.OtherMember m : g.others()) {
                out.println("  " + m.name() + "  (not PCI)  driver: " + (m.driver() == null ? "none" : m.driver())
                        + (Viability.isVfioFriendly(m.driver()) ? "" : "  BLOCKS"));
            }
        }
    }

    static String toJson(List<IommuGroup> groups) throws Exception {
        return toJson(groups, null);
    }

    static String toJson(List<IommuGroup> groups, DeviceDiagnosis diagnosis) throws Exception {
        ObjectNode root = JsonMappers.object();
        ArrayNode arr = root.putArray("groups");
        for (IommuGroup g : groups) {
            ObjectNode gn = arr.addObject();
            gn.put("id", g.id());
            gn.put("viable", Viability.viable(g));
            ArrayNode ds = gn.putArray("devices");
            for (PciDevice d : g.devices()) {
                ObjectNode dn = ds.addObject();
                dn.put("address", d.address().toString());
                dn.put("vendor", d.vendor());
                dn.put("device", d.device());
                dn.put("class", d.classId());
                dn.put("driver", d.driver());
                dn.put("bridge", d.isBridge());
                dn.put("blocking", Viability.blocks(d));
                if (diagnosis != null && !d.isBridge()) {
                    VerdictJson.verdicts(dn.putArray("verdicts"), diagnosis.device(d.address(), Optional.empty()));
                }
            }
            for (IommuGroup.OtherMember o : g.others()) {
                ObjectNode dn = ds.addObject();
                dn.put("address", o.name());
                dn.putNull("vendor");
                dn.putNull("device");
                dn.putNull("class");
                dn.put("driver", o.driver());
                dn.put("bridge", false);
                dn.put("blocking", !Viability.isVfioFriendly(o.driver()));
            }
        }
        return JsonMappers.mapper().writeValueAsString(root);
    }
}
