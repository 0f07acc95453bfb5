package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.host.BindResult;
import dev.vmlaunch.host.Host;
import dev.vmlaunch.host.IommuGroup;
import dev.vmlaunch.host.PciDevice;
import dev.vmlaunch.host.Viability;
import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "bind",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Bind PCI devices to vfio-pci (driver_override, unbind, drivers_probe), loading vfio-pci if needed.",
            "The original driver is recorded first; 'vmlaunch unbind' gives it back, even after a crash."
        },
        footer = {
            "Exit 2 for a bad address, 3 when a device cannot or should not be taken (nothing changed),",
            "1 when the kernel did not cooperate (what had changed is rolled back)."
        })
public final class BindCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "BDF", description = "PCI addresses, e.g. 0000:01:00.0 or 01:00.0.")
    List<String> devices;

    @Option(
            names = "--group",
            description = "Bind every device in the devices' IOMMU groups (bridges stay on pcieport).")
    boolean group;

    @Option(
            names = "--force",
            description = "Take devices the host uses: the boot VGA device, storage with mounted "
                    + "filesystems, a NIC with an address or the default route.")
    boolean force;

    @Option(
            names = "--owner",
            paramLabel = "NAME",
            description = "Recorded as who bound the devices (default: vmlaunch bind).")
    String owner;

    @Spec
    CommandSpec spec;

    private Host host;

    public BindCommand() {}

    BindCommand(Host host) {
        this.host = host;
    }

    @Override
    public Integer call() {
        List<PciAddress> addresses = HostCli.addresses(devices);
        Host h = host != null ? host : Host.system();
        BindResult r = h.binder().bind(addresses, group, force, owner);
        PrintWriter out = spec.commandLine().getOut();
        Set<Integer> groups = new LinkedHashSet<>();
        for (BindResult.Change c : r.changes()) {
            out.println(c.address() + ": "
                    + (c.changed()
                            ? (c.fromDriver() == null ? "no driver" : c.fromDriver()) + " -> vfio-pci"
                            : "already on vfio-pci (left as is, not recorded)"));
            h.sysfs().device(c.address()).map(PciDevice::iommuGroup).ifPresent(groups::add);
        }
        if (!r.changed().isEmpty()) {
            out.println("original drivers recorded in " + h.bindStore().folder() + "; 'vmlaunch unbind' restores them");
        }
        for (int id : groups) {
            IommuGroup g = h.groups().group(id);
            List<PciDevice> blockers = Viability.blockers(g, Set.of());
            if (blockers.isEmpty() && Viability.otherBlockers(g).isEmpty()) {
                out.println("IOMMU group " + id + " is viable");
            } else {
                StringBuilder b = new StringBuilder();
                for (PciDevice d : blockers) {
                    b.append(b.length() == 0 ? "" : ", ")
                            .append(d.address())
                            .append(" (")
                            .append(d.driver())
                            .append(')');
                }
                out.println("IOMMU group " + id + " is not viable yet: " + b
                        + (group ? "" : " still on their drivers (bind them too, or use --group)"));
            }
        }
        return ExitCodes.OK;
    }
}
