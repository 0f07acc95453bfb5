package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.supervise.ForegroundRun;
import dev.vmlaunch.supervise.RunLock;
import dev.vmlaunch.supervise.StateRoot;
import dev.vmlaunch.supervise.StopPolicies;
import dev.vmlaunch.supervise.VmmExit;
import dev.vmlaunch.vmm.RunLayout;
import dev.vmlaunch.vmm.VmmCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start a guest in the foreground, its console on this terminal.",
            "Ctrl-C asks the guest to power down (ACPI power button, then QMP quit); Ctrl-C twice stops it at once.",
            "The same checks as `check` run first; nothing starts unless they pass.",
            "Exit status: 0 when the VMM ended normally, 1 when it failed or was killed, 2/3 when it could not start."})
public final class RunCommand implements Callable<Integer> {

    @Parameters(paramLabel = "GUEST_JSON", description = "The guest file.")
    Path file;

    @Option(names = "--stop-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long each stop step (power button, quit) may take before the next (default: ${DEFAULT-VALUE}).")
    long stopTimeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        GuestSpec guest = GuestArgs.load(file, err).spec();
        Readiness.assess(guest, file.toString(), System.getenv()).throwIfNotReady();

        Path state = StateRoot.ensureDir(StateRoot.resolve());
        Path runDir = StateRoot.ensureDir(state.resolve(guest.name()));
        RunLayout layout = new RunLayout(runDir, RunLayout.ConsoleMode.STDIO);
        for (Path socket : List.of(layout.qmpSocket(), layout.qmpCliSocket(), layout.consoleSocket())) {
            StateRoot.checkSocketPath(socket);
        }
        try (RunLock lock = RunLock.acquire(runDir, guest.name())) {
            for (Path socket : List.of(layout.qmpSocket(), layout.qmpCliSocket(), layout.consoleSocket())) {
                Files.deleteIfExists(socket);
            }
            List<String> argv = VmmCommand.build(guest, layout);
            err.println("vmlaunch: starting " + guest.vmm().json() + " guest \"" + guest.name() + "\" (Ctrl-C to stop; console log "
                    + layout.consoleLog() + ")");
            err.flush();
            VmmExit exit = new ForegroundRun(guest, layout, StopPolicies.forGuest(guest, layout),
                    Duration.ofSeconds(stopTimeoutSeconds), err).run(argv);
            if (exit.clean()) {
                err.println("vmlaunch: guest \"" + guest.name() + "\" ended; " + argv.get(0) + " " + exit.describe());
                err.flush();
                return ExitCodes.OK;
            }
            err.println("vmlaunch: " + argv.get(0) + " " + exit.describe() + " (console log: " + layout.consoleLog() + ")");
            err.flush();
            return ExitCodes.FAILURE;
        }
    }
}
