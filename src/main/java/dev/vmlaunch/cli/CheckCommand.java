package dev.vmlaunch.cli;

import dev.vmlaunch.host.GuestReadiness;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.host.Problem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check that a guest can start here: the config, every file it names, the VMM binary, KVM, each "
            + "passthrough device and its IOMMU group (with the VFIO ioctls where /dev/vfio exists), MSI vectors, memlock.",
            "Exit 0 when ready, 2 for config problems, 3 when the host is not ready; every problem is listed at once."})
public final class CheckCommand implements Callable<Integer> {

    @Parameters(paramLabel = "GUEST_JSON", description = "The guest file.")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GuestSpec guest = GuestArgs.load(file, err).spec();
        GuestReadiness.Report report = GuestReadiness.assess(guest, file.toString(), System.getenv());
        report.summary().forEach(out::println);
        out.flush();
        for (Problem w : report.warnings()) {
            err.println("vmlaunch: " + w.format());
        }
        err.flush();
        report.throwIfNotReady();
        out.println(file + ": ok: " + guest.vmm().json() + " guest \"" + guest.name() + "\" (" + guest.arch().json()
                + ", " + guest.passthrough().size() + " passthrough device" + (guest.passthrough().size() == 1 ? "" : "s")
                + ") is ready to run");
        out.flush();
        return 0;
    }
}
