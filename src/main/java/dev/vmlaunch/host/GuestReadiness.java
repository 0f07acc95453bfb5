package dev.vmlaunch.host;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestFiles;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.vmm.Executables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code check} reports and {@code run} refuses on before it starts anything: files the guest names (exit 2),
 * then the host — the VMM binary, KVM, every passthrough device and its IOMMU group, the VFIO proof where
 * /dev/vfio exists, memlock (exit 3). kvmtool boots a guest WITHOUT a device it cannot open, so a missing device
 * must stop us here.
 */
public final class GuestReadiness {
    private GuestReadiness() {}

    /**
     * @param summary one line per passthrough device: its group and the other members (printed by check)
     */
    public record Report(
            List<String> configProblems,
            List<Problem> hostProblems,
            List<String> summary,
            List<DeviceVerdict> verdicts) {
        public boolean ok() {
            return configProblems.isEmpty() && hostProblems.stream().noneMatch(Problem::isError);
        }

        public List<Problem> warnings() {
            return hostProblems.stream().filter(p -> !p.isError()).toList();
        }

        /** Throws with every problem listed, config ones first; exit 2 for config problems, else 3. */
        public void throwIfNotReady() {
            if (ok()) {
                return;
            }
            List<String> all = new ArrayList<>(configProblems);
            hostProblems.stream()
                    .filter(Problem::isError)
                    .forEach(p -> all.add(p.message()
                            + (p.remedy() == null || p.remedy().isEmpty()
                                    ? ""
                                    : System.lineSeparator() + "  fix: " + p.remedy())));
            int code = configProblems.isEmpty() ? ExitCodes.HOST_NOT_READY : ExitCodes.USAGE;
            throw new VmlaunchException(code, String.join(System.lineSeparator() + "vmlaunch: ", all));
        }
    }

    /** @param vmm what the checks need to know of the guest's VMM ({@code VmmDrivers.of(spec.vmm()).hostProfile()}) */
    public static Report assess(GuestSpec spec, VmmHostProfile vmm, String display, Map<String, String> env) {
        List<String> config = GuestFiles.problems(spec, display);
        List<Problem> host = new ArrayList<>();
        String binary = vmm.binary(spec);
        if (Executables.find(binary, env.get("PATH")).isEmpty()) {
            host.add(Problem.error(
                    binary + " not found" + (binary.contains("/") ? "" : " on PATH"), Executables.installHint(binary)));
        }
        Arch hostArch = Arch.host().orElse(null);
        boolean usesKvm = vmm.usesKvm(spec);
        if (usesKvm && hostArch != null && hostArch != spec.arch()) {
            host.add(Problem.error(
                    "KVM cannot run an " + spec.arch().json() + " guest on this " + hostArch.json() + " host",
                    vmm.foreignArchRemedy()));
        }
        List<String> summary = List.of();
        List<DeviceVerdict> verdicts = List.of();
        if (!spec.passthrough().isEmpty() || usesKvm) {
            HostRoots roots = HostRoots.fromEnvironment(env);
            Host h = Host.system(IoctlVfioProof.system(roots.dev()));
            PassthroughCheck devices = h.passthroughCheck();
            host.addAll(devices.check(spec, vmm));
            host.addAll(h.preflight().check(spec, vmm));
            summary = devices.summary(spec);
            verdicts = devices.verdicts();
        }
        host.addAll(ShareXattrCheck.problemsFor(spec, vmm));
        AffinityCheck affinity =
                new AffinityCheck(new Sysfs(HostRoots.fromEnvironment(env).sysfs()));
        host.addAll(affinity.problemsFor(spec, env.get("PATH")));
        List<DeviceVerdict> all = new ArrayList<>(verdicts);
        List<String> lines = new ArrayList<>(summary);
        for (DeviceVerdict v : affinity.numaVerdicts(spec)) {
            all.add(v);
            lines.add("  " + v.status() + " " + v.device() + " " + v.line());
        }
        return new Report(config, host, lines, all);
    }
}
