package dev.vmlaunch.cli;

import picocli.CommandLine.Command;

@Command(
        name = "pause",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Pause a running guest's vCPUs (qemu: QMP stop; lkvm: kvmtool's IPC PAUSE). The VMM stays up; 'vmlaunch resume' continues it.",
            "Exit status: 0 when the VMM says it is paused, 1 when it is not running or did not do it, 2 when there is no such guest."
        })
public final class PauseCommand extends VcpuStateCommand {
    @Override
    boolean pauses() {
        return true;
    }
}
