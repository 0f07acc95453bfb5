package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.GuestPause;
import dev.vmlaunch.supervise.RecordedGuests;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pause} and {@code resume}: one guest's vCPUs stopped or continued through its VMM (GuestPause), the state the
 * VMM then reports printed as {@code NAME: paused|running}.
 */
abstract class VcpuStateCommand implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", description = "The guest.")
    String name;

    @Option(
            names = {"-t", "--timeout"},
            paramLabel = "SECONDS",
            defaultValue = "5",
            description = "How long QEMU or kvmtool may take to answer (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (timeoutSeconds < 1) {
            throw VmlaunchException.usage("--timeout must be at least 1 second");
        }
        RecordedGuests.Record r = RecordedGuests.find(StateRoot.resolve(), name)
                .orElseThrow(() -> VmlaunchException.usage("no guest named \"" + name + "\" (see 'vmlaunch list')"));
        String now = GuestPause.apply(r, pauses(), Duration.ofSeconds(timeoutSeconds));
        out.println(name + ": " + now);
        out.flush();
        return ExitCodes.OK;
    }

    /** True: pause the guest; false: resume it. */
    abstract boolean pauses();
}
