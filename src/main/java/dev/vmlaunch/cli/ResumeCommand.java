package dev.vmlaunch.cli;

import picocli.CommandLine.Command;

@Command(
        name = "resume",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Continue a paused guest (qemu: QMP cont; lkvm: kvmtool's IPC RESUME).",
            "Exit status: 0 when the VMM says it is running, 1 when it is not running or did not do it, 2 when there is no such guest."
        })
public final class ResumeCommand extends VcpuStateCommand {
    @Override
    boolean pauses() {
        return false;
    }
}
