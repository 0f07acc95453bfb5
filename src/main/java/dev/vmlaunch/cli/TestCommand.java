package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.ConfigError;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.harness.Harness;
import dev.vmlaunch.harness.HarnessLoader;
import dev.vmlaunch.harness.HarnessReport;
import dev.vmlaunch.harness.HarnessReportWriter;
import dev.vmlaunch.harness.HarnessSpec;
import dev.vmlaunch.harness.ProgressLog;
import dev.vmlaunch.harness.SupervisedHarnessGuests;
import dev.vmlaunch.host.GuestReadiness;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.lava.LavaReporter;
import dev.vmlaunch.lava.LavaResults;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.StopSignals;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "test",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run a harness: boot its guests in parallel, run the workload in each through the guest agent "
                    + "(9p share) or, with \"driver\": \"console\", typed at its console (nothing added to the guest), and check "
                    + "that every device's MSI / ITS interrupts fired, judged by its msi_irqs.",
            "Guests are stopped and devices given back whatever happens, Ctrl-C included.",
            "Exit 0 when every expectation holds, 1 otherwise, 2 for a bad harness file, 3 when the host is not ready."
        })
public final class TestCommand implements Callable<Integer> {

    @Parameters(paramLabel = "HARNESS_JSON", description = "The harness file (see docs/harness-json.md).")
    Path file;

    @Option(names = "--json", description = "Print the report as JSON on stdout (progress still goes to stderr).")
    boolean json;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report.")
    Path junit;

    @Option(
            names = "--lava",
            description = {
                "Also report one LAVA test case per guest, workload and device (the "
                        + "interrupt delta as measurement): through lava-test-case when it is on PATH, else as "
                        + "<LAVA_SIGNAL_TESTCASE ...> lines on stdout (on stderr with --json; see docs/lava.md)."
            })
    boolean lava;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HarnessLoader.Loaded loaded = HarnessLoader.load(file);
        loaded.warnings().stream().map(ConfigError::format).forEach(err::println);
        HarnessSpec h = loaded.spec();
        for (GuestSpec g : h.guests()) {
            GuestReadiness.assess(
                            g, VmmDrivers.of(g.vmm()).hostProfile(), g.source().toString(), System.getenv())
                    .throwIfNotReady();
        }
        Instant t0 = Instant.now();
        ProgressLog progress = new ProgressLog(t0, err, null);
        SupervisedHarnessGuests launcher =
                new SupervisedHarnessGuests(StateRoot.resolve(), h.bootTimeout(), System.getenv(), progress);
        Harness harness = new Harness(
                h,
                launcher,
                Harness.HostDevices.sysfs(
                        HostRoots.fromEnvironment().sysfs(),
                        HostRoots.fromEnvironment().proc().resolve("interrupts")),
                progress);
        AtomicBoolean interrupted = new AtomicBoolean();
        StopSignals.handle(sig -> {
            if (interrupted.compareAndSet(false, true)) {
                progress.accept("interrupted: stopping every guest and giving their devices back");
                Thread t = new Thread(harness::cancel, "vmlaunch-cancel");
                t.setDaemon(true);
                t.start();
            }
        });
        HarnessReport report = harness.run();
        if (junit != null) {
            java.io.ByteArrayOutputStream xml = new java.io.ByteArrayOutputStream();
            HarnessReportWriter.junit(report, xml);
            AtomicFile.write(junit, xml.toByteArray());
        }
        HarnessReportWriter.print(report, json, out);
        if (lava) {
            // With --json stdout stays one JSON document; a LAVA console shows stderr just the same.
            LavaReporter.report(
                    LavaResults.cases(report, h.expect().exitCode()), System.getenv(), json ? err : out, err);
        }
        return report.passed() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
}
