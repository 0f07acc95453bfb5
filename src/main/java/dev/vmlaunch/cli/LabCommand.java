package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.harness.HarnessReportWriter;
import dev.vmlaunch.lab.Lab;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import dev.vmlaunch.supervise.StopSignals;

@Command(name = "lab", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The virtual passthrough lab: PCIe passthrough end to end on any Linux machine with QEMU.",
            "x86_64: boots a q35 lab host under TCG with an emulated intel IOMMU and two e1000e NICs; inside it this same "
                + "jar runs host check, groups, bind (real sysfs), vfio-probe (real VFIO ioctls), unbind, a two-guest harness "
                + "in which each nested KVM guest gets one managed NIC through vfio-pci and must show its MSI-X interrupts "
                + "firing, and run -d / list / status / stop of one guest; every NIC must be back on e1000e after.",
            "aarch64: a GICv3-ITS guest with SMMUv3 and an emulated e1000e, judged on its ITS-MSI interrupts.",
            "Exit 0 when every expectation holds, 1 otherwise, 3 when QEMU or the test images are missing or the lab "
                + "host has no usable /dev/kvm (try --tcg)."})
public final class LabCommand implements Callable<Integer> {

    @Option(names = "--arch", paramLabel = "ARCH", defaultValue = "x86_64",
            description = "x86_64 (nested VFIO lab) or aarch64 (GICv3 ITS guest); default: ${DEFAULT-VALUE}.")
    String arch;

    @Option(names = "--json", description = "Print the harness report as JSON on stdout.")
    boolean json;

    @Option(names = "--keep", description = "Keep the lab's folder (guest files, logs, reports) even when it passes.")
    boolean keep;

    @Option(names = "--tcg", description = "x86_64: run the nested guests under TCG inside the TCG lab host, as "
            + "before nested KVM (for hosts where the lab host gets no usable /dev/kvm; several times slower).")
    boolean tcg;

    @Option(names = "--lkvm", paramLabel = "PATH", description = "x86_64: run the detached-flow guest with this "
            + "kvmtool binary (vmm lkvm, nested KVM, its NIC managed) and check its console, pause/resume, lkvm list "
            + "and a graceful stop as well.")
    Path lkvm;

    @Option(names = "--images", paramLabel = "DIR", description = "The test images (default: test-images/out of this checkout).")
    Path images;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Arch a = dev.vmlaunch.config.JsonEnum.parse(Arch.class, arch).orElseThrow(() ->
                new picocli.CommandLine.ParameterException(spec.commandLine(), "--arch: \"" + arch
                        + "\" is not allowed (one of: x86_64, aarch64)"));
        Path kvmtool = lkvm == null ? null : dev.vmlaunch.lab.LabLkvm.binary(lkvm);
        if (kvmtool != null && tcg) {
            throw dev.vmlaunch.VmlaunchException.usage("--lkvm needs nested KVM (kvmtool runs guests on KVM only): drop --tcg");
        }
        if (kvmtool != null && a != Arch.X86_64) {
            throw dev.vmlaunch.VmlaunchException.usage("--lkvm is not supported with --arch " + a.json() + " yet");
        }
        Lab lab = new Lab(a, images != null ? images.toAbsolutePath() : Lab.defaultImages(), System.getenv(), err, tcg,
                kvmtool);
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
