package dev.vmlaunch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.host.DoctorCheck;
import dev.vmlaunch.host.Host;
import dev.vmlaunch.host.HostDoctor;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Check CPU virtualisation, /dev/kvm, the IOMMU, interrupt remapping (GIC ITS and SMMUv3 on",
            "aarch64), vfio modules and hugepages; each failure comes with its fix."
        },
        footer = {"Exit 3 when a check fails, 0 otherwise (warnings included)."})
public final class HostCheckCommand implements Callable<Integer> {
    @Option(
            names = "--json",
            description = "Print JSON: {\"ready\":...,\"checks\":[{\"id\",\"status\",\"detail\",\"remedy\"}]}.")
    boolean json;

    @Spec
    CommandSpec spec;

    private Host host;

    public HostCheckCommand() {}

    HostCheckCommand(Host host) {
        this.host = host;
    }

    @Override
    public Integer call() throws Exception {
        Host h = host != null ? host : Host.system();
        List<DoctorCheck> checks = h.doctor().run();
        boolean ready = HostDoctor.ready(checks);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode root = JsonMappers.object();
            root.put("ready", ready);
            ArrayNode arr = root.putArray("checks");
            for (DoctorCheck c : checks) {
                ObjectNode n = arr.addObject();
                n.put("id", c.id());
                n.put("status", c.status().json());
                n.put("detail", c.detail());
                n.put("remedy", c.remedy());
            }
            out.println(JsonMappers.mapper().writeValueAsString(root));
        } else {
            int width = checks.stream().mapToInt(c -> c.id().length()).max().orElse(0);
            for (DoctorCheck c : checks) {
                out.println(String.format("%-4s  %-" + width + "s  %s", c.status(), c.id(), c.detail()));
                if (c.remedy() != null) {
                    out.println(" ".repeat(8 + width) + "fix: " + c.remedy());
                }
            }
            long failed = checks.stream()
                    .filter(c -> c.status() == DoctorCheck.Status.FAIL)
                    .count();
            out.println(
                    ready
                            ? "this host is ready for VFIO passthrough"
                            : "this host is not ready for VFIO passthrough: " + failed + " check"
                                    + (failed == 1 ? "" : "s") + " failed");
        }
        return ready ? ExitCodes.OK : ExitCodes.HOST_NOT_READY;
    }
}
