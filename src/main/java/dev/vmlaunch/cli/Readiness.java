package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestFiles;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.vmm.Executables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code check} reports and {@code run} refuses on before it starts anything: files the guest names (exit 2),
 * then the host side — the VMM binary and every passthrough device's sysfs node (exit 3). kvmtool boots a guest
 * WITHOUT a device it cannot open, so a missing device must stop us here.
 */
final class Readiness {
    private Readiness() {
    }

    record Report(List<String> configProblems, List<String> hostProblems) {
        boolean ok() {
            return configProblems.isEmpty() && hostProblems.isEmpty();
        }

        /** Throws with every problem listed, the config ones first; exit 2 for config, else 3. */
        void throwIfNotReady() {
            if (ok()) {
                return;
            }
            List<String> all = new ArrayList<>(configProblems);
            all.addAll(hostProblems);
            int code = configProblems.isEmpty() ? ExitCodes.HOST_NOT_READY : ExitCodes.USAGE;
            throw new VmlaunchException(code, String.join(System.lineSeparator() + "vmlaunch: ", all));
        }
    }

    static Report assess(GuestSpec spec, String display, Map<String, String> env) {
        List<String> config = GuestFiles.problems(spec, display);
        List<String> host = new ArrayList<>();
        String binary = spec.binaryOrDefault();
        if (Executables.find(binary, env.get("PATH")).isEmpty()) {
            host.add(binary + " not found" + (binary.contains("/") ? "" : " on PATH") + ": "
                    + Executables.installHint(binary));
        }
        Path sysfs = Path.of(env.getOrDefault("VMLAUNCH_SYSFS", "/sys"));
        for (GuestSpec.Passthrough p : spec.passthrough()) {
            PciAddress a = p.host();
            if (!Files.isDirectory(sysfs.resolve("bus/pci/devices").resolve(a.toString()))) {
                host.add("passthrough device " + a + " does not exist on this host (no "
                        + sysfs.resolve("bus/pci/devices").resolve(a.toString()) + "; see `lspci -D`)");
            }
        }
        return new Report(config, host);
    }
}
