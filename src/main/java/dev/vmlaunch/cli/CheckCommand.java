package dev.vmlaunch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.host.GuestReadiness;
import dev.vmlaunch.host.Problem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Check that a guest can start here: the config, every file it names, the VMM binary, KVM, each "
                    + "passthrough device and its IOMMU group (with the VFIO ioctls where /dev/vfio exists), MSI vectors, "
                    + "memlock, and the before-launch verdicts: reset, BARs, boot framebuffer, MMIO window, interrupt "
                    + "isolation, /dev/vfio access, NUMA (docs/diagnosis.md).",
            "Exit 0 when ready, 2 for config problems, 3 when the host is not ready; every problem is listed at once."
        })
public final class CheckCommand implements Callable<Integer> {

    @Parameters(paramLabel = "GUEST_JSON", description = "The guest file.")
    Path file;

    @Option(
            names = "--json",
            description = "Print JSON: {\"ready\",\"guest\",\"summary\":[...],"
                    + "\"verdicts\":[{\"id\",\"device\",\"status\",\"detail\",\"evidence\",\"remedy\"}],"
                    + "\"problems\":[{\"severity\",\"message\",\"remedy\"}]}.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GuestSpec guest = GuestArgs.load(file, err).spec();
        GuestReadiness.Report report = GuestReadiness.assess(
                guest, VmmDrivers.of(guest.vmm()).hostProfile(), file.toString(), System.getenv());
        if (json) {
            ObjectNode root = JsonMappers.object();
            root.put("ready", report.ok());
            root.put("guest", guest.name());
            ArrayNode summary = root.putArray("summary");
            report.summary().forEach(summary::add);
            VerdictJson.verdicts(root.putArray("verdicts"), report.verdicts());
            ArrayNode problems = root.putArray("problems");
            report.configProblems().forEach(c -> problems.addObject()
                    .put("severity", "error")
                    .put("message", c)
                    .putNull("remedy"));
            VerdictJson.problems(problems, report.hostProblems());
            out.println(JsonMappers.mapper().writeValueAsString(root));
            out.flush();
            return report.ok()
                    ? ExitCodes.OK
                    : report.configProblems().isEmpty() ? ExitCodes.HOST_NOT_READY : ExitCodes.USAGE;
        }
        report.summary().forEach(out::println);
        out.flush();
        for (Problem w : report.warnings()) {
            err.println("vmlaunch: " + w.format());
        }
        err.flush();
        report.throwIfNotReady();
        out.println(file + ": ok: " + guest.vmm().json() + " guest \"" + guest.name() + "\" ("
                + guest.arch().json()
                + ", " + guest.passthrough().size() + " passthrough device"
                + (guest.passthrough().size() == 1 ? "" : "s")
                + ") is ready to run");
        out.flush();
        return 0;
    }
}
