package dev.vmlaunch.supervise;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.ConfigException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.driver.VmmExit;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.state.StateRoot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The detached supervisor's JVM ({@code run -d} starts it, see {@link DetachedSupervisor}):
 * {@code DetachedSupervisorMain STATE_ROOT READY_TIMEOUT_MS STDERR_FILE GUEST_JSON}.
 *
 * <p>It tells its parent how the start went with one line on stdout — {@code READY <vmm pid> <supervisor pid>} or
 * {@code FAILED <exit code> <message>} — then supervises until the guest ends. Its stderr is a file the parent
 * made; once the guest's name is locked it becomes the guest's supervisor.log.
 */
public final class DetachedSupervisorMain {
    private DetachedSupervisorMain() {}

    public static void main(String[] args) {
        PrintStream parent = System.out;
        if (args.length != 4) {
            parent.println("FAILED " + ExitCodes.USAGE + " usage: DetachedSupervisorMain STATE_ROOT READY_TIMEOUT_MS "
                    + "STDERR_FILE GUEST_JSON");
            parent.flush();
            System.exit(ExitCodes.USAGE);
        }
        Path stateRoot = Path.of(args[0]);
        Duration readyTimeout = Duration.ofMillis(Long.parseLong(args[1]));
        Path stderrFile = Path.of(args[2]);
        Path guestJson = Path.of(args[3]);
        int code;
        try {
            GuestSpec spec = GuestSpecLoader.load(guestJson, VmmDrivers::rules).spec();
            Path root = StateRoot.ensureDir(stateRoot);
            Path supervisorLog = GuestDir.of(root, spec.name()).supervisorLog();
            Supervisor.Settings settings = Supervisor.Settings.socketConsole(
                    spec,
                    root,
                    System.getenv(),
                    readyTimeout,
                    () -> adoptLog(stderrFile, supervisorLog),
                    DetachedSupervisorMain::log);
            List<String> argv = settings.argv();
            Supervisor sup = new Supervisor(settings);
            sup.start();
            log("guest \"" + spec.name() + "\" is up: " + argv.get(0) + " pid "
                    + sup.vmm().orElseThrow().pid());
            parent.println("READY " + sup.vmm().orElseThrow().pid() + " "
                    + ProcessHandle.current().pid());
            parent.flush();
            VmmExit exit = sup.awaitEnd();
            GuestState end = sup.state();
            log("guest \"" + spec.name() + "\" ended: " + argv.get(0) + " " + exit.describe() + "; "
                    + (end.exit() == null
                            ? ""
                            : end.exit().how() + ": " + end.exit().detail()));
            code = ExitCodes.OK;
        } catch (ConfigException e) {
            fail(
                    parent,
                    ExitCodes.USAGE,
                    String.join("; ", e.errors().stream().map(x -> x.format()).toList()));
            code = ExitCodes.USAGE;
        } catch (VmlaunchException e) {
            fail(parent, e.exitCode(), e.getMessage());
            code = e.exitCode();
        } catch (RuntimeException | Error e) {
            e.printStackTrace();
            fail(parent, ExitCodes.FAILURE, "supervisor failed: " + e);
            code = ExitCodes.FAILURE;
        }
        System.exit(code);
    }

    private static void fail(PrintStream parent, int code, String message) {
        log("failed: " + message);
        parent.println("FAILED " + code + " " + message.replace('\n', ' '));
        parent.flush();
    }

    /** The parent chose the file before the name was known to be ours; now it is. The open descriptor follows. */
    private static void adoptLog(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log("cannot move " + from + " to " + to + ": " + e.getMessage());
        }
    }

    static void log(String message) {
        System.err.println(Instant.now() + " " + message);
        System.err.flush();
    }
}
