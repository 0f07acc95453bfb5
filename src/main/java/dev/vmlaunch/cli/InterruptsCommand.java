package dev.vmlaunch.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vmlaunch interrupts}: tools for /proc/interrupts snapshots. */
@Command(
        name = "interrupts",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Work with /proc/interrupts snapshots (x86 and arm64 layouts).",
        subcommands = {InterruptsDiffCommand.class})
public final class InterruptsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required (see 'vmlaunch interrupts --help')");
    }
}
