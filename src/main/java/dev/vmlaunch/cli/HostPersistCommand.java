package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.host.Host;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "persist",
        mixinStandardHelpOptions = true,
        description = {
            "Print the boot-time setup that gives these devices to vfio-pci: vfio-pci.ids= for GRUB,",
            "/etc/modprobe.d/vfio.conf, the initramfs modules (Debian/Ubuntu, Arch) and the commands. Changes nothing."
        })
public final class HostPersistCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "BDF", description = "PCI addresses.")
    List<String> devices;

    @Spec
    CommandSpec spec;

    private Host host;

    public HostPersistCommand() {}

    HostPersistCommand(Host host) {
        this.host = host;
    }

    @Override
    public Integer call() {
        var addresses = HostCli.addresses(devices);
        Host h = host != null ? host : Host.system();
        spec.commandLine().getOut().print(h.persistentSetup().render(addresses));
        return ExitCodes.OK;
    }
}
