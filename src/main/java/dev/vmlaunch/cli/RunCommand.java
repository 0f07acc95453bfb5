package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.host.DeviceCustody;
import dev.vmlaunch.host.DeviceDiagnosis;
import dev.vmlaunch.host.GuestReadiness;
import dev.vmlaunch.lkvm.LkvmIpc;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.DetachedSupervisor;
import dev.vmlaunch.supervise.ForegroundRun;
import dev.vmlaunch.supervise.GuestDir;
import dev.vmlaunch.supervise.Supervisor;
import dev.vmlaunch.vmm.RunLayout;
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
        name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Start a guest, in the foreground (its console on this terminal) or detached (-d).",
            "Foreground: Ctrl-C asks the guest to power down (ACPI power button, then QMP quit); Ctrl-C twice stops it "
                    + "at once.",
            "Detached: a supervisor process watches the guest; this returns once the guest is up (QMP negotiated, or "
                    + "kvmtool's socket answering) and prints NAME PID. See list, status, console, logs, stop.",
            "The same checks as `check` run first; nothing starts unless they pass.",
            "Exit status (foreground): 0 when the VMM ended normally, 1 when it failed or was killed, 2/3 when it could "
                    + "not start. Detached: 0 once the guest is up."
        })
public final class RunCommand implements Callable<Integer> {

    @Parameters(paramLabel = "GUEST_JSON", description = "The guest file.")
    Path file;

    @Option(
            names = {"-d", "--detach"},
            description = "Run the guest in the background under a supervisor process.")
    boolean detach;

    @Option(
            names = "--ready-timeout",
            paramLabel = "SECONDS",
            defaultValue = "60",
            description =
                    "How long the VMM may take to answer on QMP / its kvmtool socket (default: ${DEFAULT-VALUE}).")
    long readyTimeoutSeconds;

    @Option(
            names = "--stop-timeout",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "Foreground: how long each stop step (power button, quit) may take before the next "
                    + "(default: ${DEFAULT-VALUE}).")
    long stopTimeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GuestSpec guest = GuestArgs.load(file, err).spec();
        GuestReadiness.assess(guest, VmmDrivers.of(guest.vmm()).hostProfile(), file.toString(), System.getenv())
                .throwIfNotReady();
        Path state = StateRoot.ensureDir(StateRoot.resolve());
        GuestDir dir = GuestDir.of(state, guest.name());
        Duration readyTimeout = Duration.ofSeconds(readyTimeoutSeconds);
        if (detach) {
            DetachedSupervisor.Launched l =
                    DetachedSupervisor.launch(file.toAbsolutePath(), state, guest.name(), readyTimeout);
            out.println(l.name() + " " + l.vmmPid());
            out.flush();
            err.println("vmlaunch: guest \"" + l.name() + "\" is up ("
                    + guest.vmm().json() + " pid " + l.vmmPid()
                    + ", supervisor pid " + l.supervisorPid() + "); 'vmlaunch console " + l.name() + "' to attach, "
                    + "'vmlaunch stop " + l.name() + "' to stop it");
            err.flush();
            return ExitCodes.OK;
        }
        RunLayout layout = dir.layout(RunLayout.ConsoleMode.STDIO);
        List<String> argv = VmmDrivers.of(guest.vmm()).argv(guest, layout, DeviceDiagnosis.rootPortReserve(guest));
        Runnable announce = () -> {
            err.println("vmlaunch: starting " + guest.vmm().json() + " guest \"" + guest.name() + "\" (Ctrl-C to stop; "
                    + "console log " + layout.consoleLog() + ")");
            err.flush();
        };
        Supervisor.Settings settings = new Supervisor.Settings(
                guest,
                dir,
                RunLayout.ConsoleMode.STDIO,
                argv,
                DeviceCustody.forStateRoot(state),
                readyTimeout,
                LkvmIpc.socketOf(LkvmIpc.socketDir(System.getenv()), guest.name()),
                announce,
                m -> {
                    err.println("vmlaunch: " + m);
                    err.flush();
                });
        VmmExit exit;
        try {
            exit = new ForegroundRun(settings, Duration.ofSeconds(stopTimeoutSeconds), err).run();
        } catch (Supervisor.EndedBeforeReady e) {
            if (e.exitCode() != ExitCodes.FAILURE) {
                throw e;
            }
            exit = e.exit();
        }
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
