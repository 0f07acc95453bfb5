package dev.vmlaunch.vmm;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * kvmtool's {@code lkvm run} (options from builtin-run.c). The loader already refused what lkvm cannot do, so
 * this maps one to one. kvmtool adds its own {@code console=} to the kernel command line, and opens its IPC socket
 * at {@code ~/.lkvm/NAME.sock} by itself.
 */
public final class LkvmCommand implements VmmCommand {
    /** The executable when guest.json names none. */
    public static final String DEFAULT_BINARY = "lkvm";

    @Override
    public List<String> argv(GuestSpec s, RunLayout layout) {
        List<String> a = new ArrayList<>();
        a.add(s.binaryOr(DEFAULT_BINARY));
        a.add("run");
        a.add("--name");
        a.add(s.name());
        a.add("-c");
        a.add(Integer.toString(s.cpus()));
        a.add("-m");
        a.add(Long.toString(s.memoryMiB()));
        if (s.boot().kernel() != null) {
            a.add("-k");
            a.add(s.boot().kernel().toString());
        }
        if (s.boot().initrd() != null) {
            a.add("-i");
            a.add(s.boot().initrd().toString());
        }
        if (s.boot().cmdline() != null) {
            a.add("--params");
            a.add(s.boot().cmdline());
        }
        if (s.boot().firmware() != null) {
            a.add("--firmware");
            a.add(s.boot().firmware().code().toString());
        }
        if (s.arch() == Arch.AARCH64 && s.irqchip() != null) {
            a.add("--irqchip");
            a.add(s.irqchip().json());
        }
        a.add("--console");
        a.add(s.console().json());
        for (GuestSpec.Disk d : s.storage().disks()) {
            a.add("--disk");
            a.add(d.readonly() ? d.path() + ",ro" : d.path().toString());
        }
        for (GuestSpec.Share sh : s.shares()) {
            a.add("--9p");
            a.add(sh.path() + "," + sh.tag());
        }
        if (s.network() != null) {
            a.add("--network");
            a.add(s.network() == Network.USER ? "mode=user" : "mode=none");
        }
        for (GuestSpec.Passthrough p : s.passthrough()) {
            a.add("--vfio-pci");
            a.add(p.host().toString());
        }
        if (Boolean.FALSE.equals(s.mte())) {
            a.add("--disable-mte");
        }
        a.addAll(s.extraArgs());
        return a;
    }
}
