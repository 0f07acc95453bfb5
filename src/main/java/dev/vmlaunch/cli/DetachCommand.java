package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.host.DeviceCustody;
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
        name = "detach",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Unplug a device 'vmlaunch attach' plugged into a running qemu guest: QMP device_del of every "
                    + "endpoint that came with it, then a wait for QEMU's DEVICE_DELETED (the guest lets go).",
            "Managed devices go back to their drivers only after that.",
            "Exit status: 0 detached; 1 the guest did not let go in time (the device stays in the guest and on "
                    + "vfio-pci) or QMP failed; 2 no such guest, not a qemu guest, the device is not attached."
        })
public final class DetachCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The running guest.")
    String name;

    @Parameters(
            index = "1",
            paramLabel = "BDF",
            description = "The host device given to attach (or any endpoint of its group).")
    String device;

    // Below stop's 30 s: the wait holds qmp-cli.sock (QEMU serves one client a monitor), and a stop that comes
    // meanwhile must still get the socket within its own power-button step.
    @Option(
            names = {"-t", "--timeout"},
            paramLabel = "SECONDS",
            defaultValue = "20",
            description = "How long the guest may take to let go of each endpoint (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PciAddress address = HostCli.addresses(List.of(device)).get(0);
        Path root = HotplugTarget.stateRoot();
        RecordedGuests.Record r = HotplugTarget.find(root, name);
        GuestHotplug hp = new GuestHotplug(
                r.dir(),
                Path.of(r.state().qmpCliSocket()),
                DeviceCustody.forStateRoot(root),
                new GuestHotplug.Timeouts(
                        Duration.ofSeconds(10), Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(10)));
        PrintWriter out = spec.commandLine().getOut();
        for (GuestHotplug.Done d : hp.detach(address)) {
            out.println(name + ": detached " + d.host() + " (" + d.id() + " left " + d.slot()
                    + (d.note() == null ? "" : "; " + d.note()) + ")"
                    + (d.managed() ? "; given back to its driver" : ""));
        }
        out.flush();
        return ExitCodes.OK;
    }
}
