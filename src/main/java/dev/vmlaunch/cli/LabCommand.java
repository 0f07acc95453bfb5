package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.harness.HarnessReportWriter;
import dev.vmlaunch.lab.Lab;
import dev.vmlaunch.supervise.StopSignals;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "lab",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "The virtual passthrough lab: PCIe passthrough end to end on any Linux machine with QEMU.",
            "x86_64: boots a q35 lab host under TCG with an emulated intel IOMMU and two e1000e NICs; inside it this same "
                    + "jar runs host check, groups, bind (real sysfs), vfio-probe (real VFIO ioctls), unbind, a two-guest harness "
                    + "in which each nested KVM guest gets one managed NIC through vfio-pci and must show its MSI-X interrupts "
                    + "firing, and run -d / list / status / stop of one guest; every NIC must be back on e1000e after.",
            "aarch64: the same flow in a virt lab host at EL2 with SMMUv3 and a GICv3 ITS, whose root is assembled from "
                    + "Debian's arm64 packages (cached, once): two nested KVM guests, each with one managed NIC, judged on "
                    + "their ITS-MSI interrupts; with --lkvm they run under your arm64 kvmtool and the lab shows lkvm list.",
            "Exit 0 when every expectation holds, 1 otherwise, 3 when QEMU or the test images are missing, the arm64 "
                    + "root cannot be assembled (the message names the package), or the lab host has no usable /dev/kvm (try --tcg)."
        })
public final class LabCommand implements Callable<Integer> {

    @Option(
            names = "--arch",
            paramLabel = "ARCH",
            defaultValue = "x86_64",
            description = "x86_64 (q35, intel IOMMU) or aarch64 (virt at EL2, SMMUv3, GICv3 ITS, an arm64 root from "
                    + "Debian packages); default: ${DEFAULT-VALUE}.")
    String arch;

    @Option(names = "--json", description = "Print the harness report as JSON on stdout.")
    boolean json;

    @Option(names = "--keep", description = "Keep the lab's folder (guest files, logs, reports) even when it passes.")
    boolean keep;

    @Option(
            names = "--tcg",
            description = "x86_64: run the nested guests under TCG inside the TCG lab host, as "
                    + "before nested KVM (for hosts where the lab host gets no usable /dev/kvm; several times slower).")
    boolean tcg;

    @Option(
            names = "--lkvm",
            paramLabel = "PATH",
            description = "Use this kvmtool binary as well. x86_64: the "
                    + "detached-flow guest runs under it (vmm lkvm, nested KVM, its NIC managed), with checks of its console, "
                    + "pause/resume, lkvm list and a graceful stop. aarch64: the two nested guests run under it (an arm64 "
                    + "binary, static or runnable in the lab host's root) and the lab shows lkvm list.")
    Path lkvm;

    @Option(
            names = "--images",
            paramLabel = "DIR",
            description = "The test images (default: test-images/out of this checkout).")
    Path images;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Arch a = dev.vmlaunch.config.JsonEnum.parse(Arch.class, arch)
                .orElseThrow(() -> new picocli.CommandLine.ParameterException(
                        spec.commandLine(), "--arch: \"" + arch + "\" is not allowed (one of: x86_64, aarch64)"));
        Path kvmtool = lkvm == null ? null : dev.vmlaunch.lab.LabLkvm.binary(lkvm);
        if (kvmtool != null && tcg) {
            throw dev.vmlaunch.VmlaunchException.usage(
                    "--lkvm needs nested KVM (kvmtool runs guests on KVM only): drop --tcg");
        }
        Lab lab = new Lab(
                a, images != null ? images.toAbsolutePath() : Lab.defaultImages(), System.getenv(), err, tcg, kvmtool);
        AtomicBoolean once = new AtomicBoolean();
        StopSignals.handle(sig -> {
            if (once.compareAndSet(false, true)) {
                Thread t = new Thread(lab::interrupt, "vmlaunch-lab-interrupt");
                t.setDaemon(true);
                t.start();
            }
        });
        Lab.Outcome o = lab.run();
        HarnessReportWriter.print(o.report(), json, out);
        if (keep || !o.passed()) {
            err.println("vmlaunch: lab files kept in " + o.folder());
        } else {
            Lab.deleteTree(o.folder());
        }
        err.flush();
        return o.passed() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
}
