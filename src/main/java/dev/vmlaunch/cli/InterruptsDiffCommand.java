package dev.vmlaunch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.harness.InterruptDiff;
import dev.vmlaunch.harness.InterruptDiffJson;
import dev.vmlaunch.harness.InterruptFormatException;
import dev.vmlaunch.harness.InterruptTable;
import dev.vmlaunch.harness.ProcInterrupts;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmlaunch interrupts diff BEFORE AFTER}: which interrupts fired between two snapshots. */
@Command(
        name = "diff",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        sortOptions = false,
        description = {
            "Show how the counters of /proc/interrupts moved between two snapshots of the same machine.",
            "Rows only in AFTER count from zero; rows only in BEFORE are listed as vanished; a counter that went"
                    + " backwards shows as a negative delta (reset).",
            "With --device every vector of that device is listed, those that never fired too, and the summary"
                    + " says how many fired (\"7 of 8 vectors fired\")."
        })
public final class InterruptsDiffCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "BEFORE", description = "Earlier snapshot of /proc/interrupts.")
    Path before;

    @Parameters(index = "1", paramLabel = "AFTER", description = "Later snapshot of /proc/interrupts.")
    Path after;

    @Option(
            names = "--json",
            description = "Print JSON: {\"irqs\":[{\"irq\",\"chip\",\"hwirq\",\"trigger\","
                    + "\"name\",\"counts\",\"delta\"}], \"vanished\":[...], \"cpus\", \"cpusAdded\", \"cpusRemoved\"}.")
    boolean json;

    @Option(
            names = "--device",
            paramLabel = "NAME",
            description = "Only rows of this device: a PCI address"
                    + " (0000:00:02.0 or 00:02.0) or an interface name (eth0), matched as a whole word in the name and"
                    + " chip columns, so eth0 matches eth0-rx-0 but not veth0.")
    String device;

    @Option(names = "--all", description = "Show unchanged rows too (the default with --device).")
    boolean all;

    @Option(names = "--changed", description = "With --device: only the vectors that moved.")
    boolean changedOnly;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        InterruptDiff diff = InterruptDiff.between(read(before), read(after));
        if (changedOnly && device == null) {
            throw VmlaunchException.usage("--changed needs --device (without it only changed rows are shown anyway)");
        }
        if (all && changedOnly) {
            throw VmlaunchException.usage("--all and --changed exclude each other");
        }
        DeviceVectors vectors = null;
        if (device != null) {
            diff = diff.forDevice(device);
            if (diff.rows().isEmpty() && diff.vanished().isEmpty()) {
                spec.commandLine().getErr().println("vmlaunch: note: no interrupt row names device '" + device + "'");
            }
            vectors = DeviceVectors.of(device, diff);
        }
        // A device's vectors are all shown unless asked otherwise: the one that never fired is the answer a user
        // looks for ("7 of 8 vectors fired").
        boolean showAll = all || (device != null && !changedOnly);
        InterruptDiff shown = showAll ? diff : diff.changedOnly();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode root = InterruptDiffJson.of(shown);
            if (vectors != null) {
                ObjectNode d = root.putObject("device");
                d.put("name", vectors.device());
                d.put("vectors", vectors.total());
                d.put("fired", vectors.fired());
            }
            out.println(root);
        } else {
            new InterruptDiffTable(shown, diff.changed().size(), vectors).print(out);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static InterruptTable read(Path file) {
        try {
            return ProcInterrupts.read(file);
        } catch (InterruptFormatException e) {
            throw VmlaunchException.usage(e.getMessage());
        } catch (NoSuchFileException e) {
            throw VmlaunchException.usage(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw VmlaunchException.usage(file + ": permission denied");
        } catch (IOException e) {
            throw VmlaunchException.usage(file + ": cannot read: " + e.getMessage());
        }
    }
}
