package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.host.DeviceCustody;
import dev.vmlaunch.host.Host;
import dev.vmlaunch.host.IommuGroup;
import dev.vmlaunch.host.PciDevice;
import dev.vmlaunch.host.Viability;
import dev.vmlaunch.supervise.GuestHotplug;
import dev.vmlaunch.supervise.RecordedGuests;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "attach",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Plug a host PCI device into a running qemu guest (QMP device_add of vfio-pci into one of the "
                    + "root ports its guest.json reserved with \"hotplugSlots\").",
            "The device's whole IOMMU group goes: every endpoint of it, each into a free slot.",
            "With --managed vmlaunch binds them to vfio-pci first and gives them back on detach or when the guest ends.",
            "Exit status: 0 attached; 1 QEMU or the kernel refused (what was done is undone); 2 no such guest, not a "
                    + "qemu guest, no free slot, bad address; 3 the device cannot be taken (not on vfio-pci, no IOMMU group)."
        })
public final class AttachCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The running guest.")
    String name;

    @Parameters(index = "1", paramLabel = "BDF", description = "The host device, e.g. 0000:01:00.0 or 01:00.0.")
    String device;

    @Option(names = "--managed", description = "Bind the group's endpoints to vfio-pci now and give them back later.")
    boolean managed;

    @Option(
            names = {"-t", "--timeout"},
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "How long QEMU may take to answer, and the guest to let go when an attach is undone "
                    + "(default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PciAddress address = HostCli.addresses(List.of(device)).get(0);
        Path root = HotplugTarget.stateRoot();
        RecordedGuests.Record r = HotplugTarget.find(root, name);
        Duration t = Duration.ofSeconds(timeoutSeconds);
        GuestHotplug hp = new GuestHotplug(
                r.dir(),
                Path.of(r.state().qmpCliSocket()),
                DeviceCustody.forStateRoot(root),
                new GuestHotplug.Timeouts(t, t, Duration.ofSeconds(10)));
        PrintWriter out = spec.commandLine().getOut();
        for (GuestHotplug.Done d : hp.attach(address, () -> takeable(address), managed)) {
            out.println(name + ": attached " + d.host() + " as " + d.id() + " in " + d.slot()
                    + (d.managed() ? " (managed: given back on detach or when the guest stops)" : ""));
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The group's endpoints, refused (exit 3) when they cannot go to the guest as asked. */
    private List<PciAddress> takeable(PciAddress address) {
        Host host = Host.system();
        List<PciAddress> endpoints = endpoints(host, address);
        if (!managed) {
            List<String> off = endpoints.stream()
                    .map(e -> host.sysfs()
                            .device(e)
                            .orElseThrow(() -> VmlaunchException.hostNotReady(
                                    e + " left the IOMMU group of " + address + " while it was read; try again")))
                    .filter(d -> !Viability.VFIO_PCI.equals(d.driver()))
                    .map(d -> d.address() + " (" + (d.driver() == null ? "no driver" : d.driver()) + ")")
                    .toList();
            if (!off.isEmpty()) {
                throw VmlaunchException.hostNotReady("not on vfio-pci: " + String.join(", ", off) + "; attach with "
                        + "--managed, or 'vmlaunch bind --group " + address + "' first");
            }
        }
        return endpoints;
    }

    /** Every endpoint (non-bridge member) of the device's IOMMU group; the device must exist and have a group. */
    private static List<PciAddress> endpoints(Host host, PciAddress address) {
        PciDevice d = host.sysfs()
                .device(address)
                .orElseThrow(() -> VmlaunchException.hostNotReady(
                        "no PCI device " + address + " on this host (see 'vmlaunch groups' or 'lspci -D')"));
        if (d.isBridge()) {
            throw VmlaunchException.usage(address + " is a PCI bridge: bridges are not passed through");
        }
        if (d.iommuGroup() == null) {
            throw VmlaunchException.hostNotReady(
                    address + " has no IOMMU group: the IOMMU is off, vfio-pci cannot take "
                            + "it (see 'vmlaunch host check')");
        }
        IommuGroup g = host.groups().group(d.iommuGroup());
        if (!Viability.otherBlockers(g).isEmpty()) {
            throw VmlaunchException.hostNotReady("IOMMU group " + g.id() + " of " + address + " also holds "
                    + Viability.otherBlockers(g).stream()
                            .map(o -> o.name() + " (" + o.driver() + ")")
                            .toList()
                    + ", which is not PCI: unbind it by hand");
        }
        // The requested device first: it gets the first free slot.
        List<PciAddress> rest = g.devices().stream()
                .filter(m -> !m.isBridge() && !m.address().equals(address))
                .map(PciDevice::address)
                .sorted()
                .toList();
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(address), rest.stream())
                .toList();
    }
}
