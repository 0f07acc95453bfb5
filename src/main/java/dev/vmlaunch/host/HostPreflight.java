package dev.vmlaunch.host;

import dev.vmlaunch.config.GuestSpec;
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

    /** @param vmm what the checks need to know of the guest's VMM */
    public List<Problem> check(GuestSpec spec, VmmHostProfile vmm) {
        List<Problem> out = new ArrayList<>();
        if (!spec.passthrough().isEmpty()) {
            memlock(spec, out);
            Path container = roots.dev().resolve("vfio/vfio");
            boolean anyManaged = spec.passthrough().stream().anyMatch(GuestSpec.Passthrough::managed);
            if (!Files.exists(container) && !anyManaged) {
                out.add(Problem.error(
                        "no " + container + ": VFIO is not loaded" + vmm.withoutVfio(),
                        "'sudo modprobe vfio-pci' and bind the devices ('vmlaunch bind'), or set \"managed\": true"));
            }
        }
        if (vmm.usesKvm(spec)) {
            kvm(out);
        }
        return out;
    }

    /** As libvirt computes it: guest RAM + 1 GiB, times the number of VFIO devices when each has its own vIOMMU space. */
    public static long requiredMemlockBytes(GuestSpec spec) {
        return MemlockBudget.of(spec, new Sysfs(Path.of("/nonexistent"))).bytes();
    }

    /**
     * Root (CAP_IPC_LOCK) is not limited. Anyone else: a soft limit below the budget is fine when the hard limit
     * allows it, since the supervisor raises the VMM's soft limit with prlimit; a hard limit below it is not.
     */
    private void memlock(GuestSpec spec, List<Problem> out) {
        MemlockBudget budget = MemlockBudget.of(spec, new Sysfs(roots.sysfs()));
        dmaEntries(spec, budget, out);
        if (root) {
            return;
        }
        MemlockBudget.Limits limits = MemlockBudget.Limits.of(roots.proc());
        long need = budget.bytes();
        if (!limits.canRaiseTo(need)) {
            long kib = (need + 1023) / 1024;
            out.add(Problem.error(
                    "the locked-memory limit is " + human(limits.hard().getAsLong()) + " but VFIO pins the "
                            + "guest's RAM: " + human(need) + " needed (" + budget.breakdown() + "); read: "
                            + limits.evidence() + ", hard limit",
                    "raise it for good in /etc/security/limits.conf ('<user> hard memlock " + kib + "' and "
                            + "'<user> soft memlock " + kib + "', then log in again; 'ulimit -l " + kib
                            + "' works only "
                            + "up to the hard limit), or run as root"));
        }
    }

    /** With a vIOMMU a guest that maps its RAM in 4 KiB pages can exhaust vfio_iommu_type1.dma_entry_limit. */
    private void dmaEntries(GuestSpec spec, MemlockBudget budget, List<Problem> out) {
        if (!budget.viommu()) {
            return;
        }
        Path param = roots.sysfs().resolve("module/vfio_iommu_type1/parameters/dma_entry_limit");
        long limit;
        try {
            limit = Sysfs.attribute(param.getParent(), "dma_entry_limit")
                    .map(Long::parseLong)
                    .orElse(65535L);
        } catch (NumberFormatException e) {
            return;
        }
        long worst = budget.worstCaseDmaEntries(spec);
        if (worst > limit) {
            out.add(Problem.warning(
                    "with a vIOMMU, a guest that maps all its " + spec.memoryMiB() + " MiB in 4 KiB pages "
                            + "(iommu=pt in the guest, DPDK) needs " + worst
                            + " DMA mappings but vfio_iommu_type1.dma_entry_limit is "
                            + limit + ": VFIO_MAP_DMA would fail with ENOSPC (read: " + param
                            + (Files.exists(param) ? "" : ", not loaded: the default") + ")",
                    "'options vfio_iommu_type1 dma_entry_limit=" + worst
                            + "' in /etc/modprobe.d/vfio.conf, then reload " + "vfio_iommu_type1 (or reboot)"));
        }
    }

    /** The soft RLIMIT_MEMLOCK in bytes from {@code <proc>/self/limits}; empty when unlimited or unreadable. */
    static OptionalLong memlockLimit(Path proc) {
        return MemlockBudget.Limits.of(proc).soft();
    }

    private void kvm(List<Problem> out) {
        Path kvm = roots.dev().resolve("kvm");
        try {
            // Opening it read-write is what a VMM does first; that it opens is the check.
            Files.newByteChannel(kvm, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    .close();
        } catch (NoSuchFileException e) {
            out.add(Problem.error(
                    "no " + kvm + ": KVM is not available",
                    "'sudo modprobe kvm_intel' (or kvm_amd); if that fails, enable VT-x / AMD-V in the firmware; "
                            + "or run the guest with \"accel\": \"tcg\" (qemu)"));
        } catch (AccessDeniedException e) {
            out.add(Problem.error(
                    "this user cannot open " + kvm,
                    "add the user to the kvm group "
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
