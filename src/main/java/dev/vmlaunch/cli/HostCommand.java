package dev.vmlaunch.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
        name = "host",
        mixinStandardHelpOptions = true,
        description = "Check this host for passthrough, or print the persistent vfio-pci setup.",
        subcommands = {HostCheckCommand.class, HostPersistCommand.class})
public final class HostCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: check or persist");
    }
}
