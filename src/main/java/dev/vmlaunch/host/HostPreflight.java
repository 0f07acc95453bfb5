package dev.vmlaunch.host;

import dev.vmlaunch.config.Accel;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Viommu;
import dev.vmlaunch.config.Vmm;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** Host resources a guest needs beyond its devices: the memory-lock limit for VFIO, /dev/kvm, /dev/vfio/vfio. */
public final class HostPreflight {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    private final HostRoots roots;
    private final boolean root;

    public HostPreflight(HostRoots roots, boolean root) {
        this.roots = roots;
        this.root = root;
    }

    public List<Problem> check(GuestSpec spec) {
        List<Problem> out = new ArrayList<>();
        if (!spec.passthrough().isEmpty()) {
            memlock(spec, out);
            Path container = roots.dev().resolve("vfio/vfio");
            boolean anyManaged = spec.passthrough().stream().anyMatch(GuestSpec.Passthrough::managed);
            if (!Files.exists(container) && !anyManaged) {
                out.add(Problem.error("no " + container + ": VFIO is not loaded"
                                + (spec.vmm() == Vmm.LKVM ? " (lkvm would boot the guest without its devices)" : ""),
                        "'sudo modprobe vfio-pci' and bind the devices ('vmlaunch bind'), or set \"managed\": true"));
            }
        }
        if (spec.vmm() == Vmm.LKVM || spec.accel() == Accel.KVM) {
            kvm(out);
        }
        return out;
    }

    /** As libvirt computes it: guest RAM + 1 GiB, times the number of VFIO devices when each has its own vIOMMU space. */
    public static long requiredMemlockBytes(GuestSpec spec) {
        long base = spec.memoryMiB() * MIB + GIB;
        int factor = spec.viommu() != null && spec.viommu() != Viommu.NONE ? Math.max(1, spec.passthrough().size()) : 1;
        return base * factor;
    }

    private void memlock(GuestSpec spec, List<Problem> out) {
        if (root) {
            return;
        }
        OptionalLong limit = memlockLimit(roots.proc());
        long need = requiredMemlockBytes(spec);
        if (limit.isPresent() && limit.getAsLong() < need) {
            long kib = (need + 1023) / 1024;
            boolean viommu = spec.viommu() != null && spec.viommu() != Viommu.NONE && spec.passthrough().size() > 1;
            out.add(Problem.error("the locked-memory limit is " + human(limit.getAsLong()) + " but VFIO pins the guest's RAM: "
                            + human(need) + " needed (" + spec.memoryMiB() + " MiB + 1 GiB"
                            + (viommu ? ", x " + spec.passthrough().size() + " devices behind a vIOMMU" : "") + ")",
                    "run 'ulimit -l " + kib + "' before vmlaunch (up to the hard limit), raise it for good in "
                            + "/etc/security/limits.conf ('<user> - memlock " + kib + "'), or run as root"));
        }
    }

    /** The soft RLIMIT_MEMLOCK in bytes from {@code <proc>/self/limits}; empty when unlimited or unreadable. */
    static OptionalLong memlockLimit(Path proc) {
        try {
            for (String line : Files.readAllLines(proc.resolve("self/limits"))) {
                if (line.startsWith("Max locked memory")) {
                    String soft = line.substring("Max locked memory".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(soft));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    private void kvm(List<Problem> out) {
        Path kvm = roots.dev().resolve("kvm");
        try {
            // Opening it read-write is what a VMM does first; that it opens is the check.
            Files.newByteChannel(kvm, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
        } catch (NoSuchFileException e) {
            out.add(Problem.error("no " + kvm + ": KVM is not available",
                    "'sudo modprobe kvm_intel' (or kvm_amd); if that fails, enable VT-x / AMD-V in the firmware; "
                            + "or run the guest with \"accel\": \"tcg\" (qemu)"));
        } catch (AccessDeniedException e) {
            out.add(Problem.error("this user cannot open " + kvm, "add the user to the kvm group "
                    + "('sudo usermod -aG kvm $USER', then log in again), or run as root"));
        } catch (IOException | UnsupportedOperationException e) {
            out.add(Problem.error("cannot open " + kvm + ": " + e.getMessage(), "check 'vmlaunch host check'"));
        }
    }

    static String human(long bytes) {
        if (bytes % GIB == 0) {
            return bytes / GIB + " GiB";
        }
        if (bytes % MIB == 0) {
            return bytes / MIB + " MiB";
        }
        return bytes / 1024 + " KiB";
    }
}
