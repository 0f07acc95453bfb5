package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.host.DeviceCustody;
import dev.vmlaunch.lkvm.LkvmInstances;
import dev.vmlaunch.lkvm.LkvmIpc;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.GuestStop;
import dev.vmlaunch.supervise.RecordedGuests;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "stop",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Stop guests and wait until their VMM is gone and their managed devices are back on their drivers.",
            "qemu: system_powerdown (the guest's power button), wait for it to shut down, then QMP quit, SIGTERM, SIGKILL.",
            "lkvm: kvmtool's IPC STOP, then SIGTERM, SIGKILL. Each step gets --timeout seconds.",
            "Works also when the guest's supervisor is gone (QEMU's second QMP socket; signals only after checking "
                    + "pid and start time).",
            "Exit status: 0 when every guest named is stopped, 1 otherwise, 2 when a name is no guest (nothing is stopped then)."
        })
public final class StopCommand implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Guests to stop.")
    List<String> names = new ArrayList<>();

    @Option(
            names = {"-a", "--all"},
            description = "Stop every running guest.")
    boolean all;

    @Option(
            names = {"-t", "--timeout"},
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "How long each step may take (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(
            names = {"-f", "--force"},
            description = "Skip the power button (qemu: quit at once; lkvm: signals). "
                    + "Also clears a guest folder whose state file is unreadable.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (names.isEmpty() == !all) {
            throw VmlaunchException.usage("name the guests to stop, or give --all (not both)");
        }
        if (timeoutSeconds < 1) {
            throw VmlaunchException.usage("--timeout must be at least 1 second");
        }
        Path root = StateRoot.resolve();
        Path lkvmDir = LkvmIpc.socketDir(System.getenv());
        GuestStop stopper =
                new GuestStop(Duration.ofSeconds(timeoutSeconds), force, DeviceCustody.forStateRoot(root), m -> {
                    synchronized (err) {
                        err.println("vmlaunch: " + m);
                        err.flush();
                    }
                });
        List<Supplier<GuestStop.Outcome>> jobs = new ArrayList<>();
        if (all) {
            for (RecordedGuests.Record r : RecordedGuests.scan(root)) {
                if (!r.isBroken() && (r.live() || r.needsFinishing())) {
                    jobs.add(() -> stopper.stop(r));
                }
            }
            for (LkvmInstances.Instance i : LkvmInstances.scan(lkvmDir, Duration.ofSeconds(1))) {
                if (i.answered() && !ours(root, i.name())) {
                    jobs.add(() -> stopper.stopForeignLkvm(i));
                }
            }
        } else {
            // A name that is no guest is a usage error (exit 2), found before anything is stopped.
            List<String> unknownNames = names.stream()
                    .filter(n -> RecordedGuests.find(root, n).isEmpty() && !Files.exists(LkvmIpc.socketOf(lkvmDir, n)))
                    .toList();
            if (!unknownNames.isEmpty()) {
                throw VmlaunchException.usage("no guest named "
                        + unknownNames.stream()
                                .map(n -> "\"" + n + "\"")
                                .collect(java.util.stream.Collectors.joining(", "))
                        + " (see 'vmlaunch list --all'); "
                        + "nothing was stopped");
            }
            for (String name : names) {
                Optional<RecordedGuests.Record> r = RecordedGuests.find(root, name);
                Path sock = LkvmIpc.socketOf(lkvmDir, name);
                if (r.isPresent()) {
                    jobs.add(() -> stopper.stop(r.get()));
                } else if (Files.exists(sock)) {
                    LkvmInstances.Instance i = LkvmInstances.query(sock, Duration.ofSeconds(1));
                    jobs.add(() -> i.dead()
                            ? new GuestStop.Outcome(name, true, "is not running (" + i.error() + ")")
                            : stopper.stopForeignLkvm(i));
                } else {
                    // Gone between the check above and now: it has stopped already, by someone else.
                    jobs.add(() -> new GuestStop.Outcome(name, true, "is not running"));
                }
            }
        }
        boolean ok = true;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(jobs.size(), 32)), r -> {
            Thread t = new Thread(r, "vmlaunch-stop");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<GuestStop.Outcome>> running = jobs.stream()
                    .map(j -> CompletableFuture.supplyAsync(j, pool))
                    .toList();
            for (CompletableFuture<GuestStop.Outcome> f : running) {
                GuestStop.Outcome o = f.join();
                if (o.ok()) {
                    out.println(o.name() + ": " + o.message());
                    out.flush();
                } else {
                    ok = false;
                    err.println("vmlaunch: " + o.name() + ": " + o.message());
                    err.flush();
                }
            }
        } finally {
            pool.shutdown();
        }
        return ok ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private static boolean ours(Path root, String name) {
        try {
            return RecordedGuests.find(root, name)
                    .map(RecordedGuests.Record::live)
                    .orElse(false);
        } catch (VmlaunchException e) {
            return false;
        }
    }
}
