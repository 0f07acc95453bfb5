package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.host.BindRecord;
import dev.vmlaunch.host.BindResult;
import dev.vmlaunch.host.Host;
import dev.vmlaunch.host.RestoreResult;
import dev.vmlaunch.supervise.RecordedGuests;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "unbind",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Give devices back to the drivers they had before 'vmlaunch bind' (from its records).",
            "A device on vfio-pci without a record is reprobed, as libvirt's reattach does."
        },
        footer = {
            "Exit 1 when a device could not be restored (its record stays, to retry); 3 when a device named is not "
                    + "on this host (nothing is changed then)."
        })
public final class UnbindCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "BDF", description = "PCI addresses.")
    List<String> devices = List.of();

    @Option(names = "--all", description = "Every device vmlaunch has bound and not restored yet.")
    boolean all;

    @Option(
            names = "--owner",
            paramLabel = "NAME",
            description = "Every device bound for guest NAME (its bind "
                    + "records name it), e.g. what a killed supervisor left bound. Refused while NAME runs.")
    String owner;

    @Spec
    CommandSpec spec;

    private Host host;

    public UnbindCommand() {}

    UnbindCommand(Host host) {
        this.host = host;
    }

    @Override
    public Integer call() {
        int ways = (all ? 1 : 0) + (devices.isEmpty() ? 0 : 1) + (owner == null ? 0 : 1);
        if (ways != 1) {
            throw VmlaunchException.usage("name the devices to restore, or use --all, or --owner NAME (one of them)");
        }
        if (owner != null && !owner.matches(GuestSpec.NAME_PATTERN)) {
            throw VmlaunchException.usage("--owner: \"" + owner.replaceAll("[^\\x20-\\x7e]", "?")
                    + "\" is not a guest name (expected " + GuestSpec.NAME_PATTERN + ")");
        }
        List<PciAddress> addresses = HostCli.addresses(devices);
        Host h = host != null ? host : Host.system();
        if (all) {
            addresses = h.binder().records().stream()
                    .map(BindRecord::address)
                    .map(PciAddress::parse)
                    .toList();
        }
        if (owner != null) {
            Optional<RecordedGuests.Record> g = RecordedGuests.find(h.stateRoot(), owner);
            if (g.isPresent() && g.get().live()) {
                throw VmlaunchException.failure("guest \"" + owner + "\" is running; 'vmlaunch stop " + owner
                        + "' stops it and gives its devices back");
            }
            addresses = h.binder().records().stream()
                    .filter(r -> owner.equals(r.owner()))
                    .map(BindRecord::address)
                    .map(PciAddress::parse)
                    .toList();
        }
        if (!all && owner == null) {
            // README: a missing device means the host is not ready (exit 3), and nothing is changed then.
            List<PciAddress> missing =
                    addresses.stream().filter(a -> !h.sysfs().exists(a)).toList();
            if (!missing.isEmpty()) {
                throw VmlaunchException.hostNotReady("nothing was changed: no PCI device "
                        + missing.stream().map(PciAddress::toString).collect(java.util.stream.Collectors.joining(", "))
                        + " on this host (see 'vmlaunch groups' or 'lspci -D')");
            }
        }
        RestoreResult r = h.binder().restore(addresses);
        PrintWriter out = spec.commandLine().getOut();
        for (BindResult.Change c : r.restored()) {
            out.println(c.address() + ": "
                    + (c.changed()
                            ? name(c.fromDriver()) + " -> " + name(c.toDriver())
                            : "not on vfio-pci (" + name(c.fromDriver()) + "), left as is"));
        }
        PrintWriter err = spec.commandLine().getErr();
        for (RestoreResult.Failure f : r.failures()) {
            err.println("vmlaunch: " + f.address() + ": " + f.message());
        }
        if (all && addresses.isEmpty()) {
            out.println("no devices bound by vmlaunch");
        }
        if (owner != null && addresses.isEmpty()) {
            out.println("no devices bound for \"" + owner + "\"");
        }
        return r.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private static String name(String driver) {
        return driver == null ? "no driver" : driver;
    }
}
