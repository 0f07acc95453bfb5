package dev.vmlaunch.host;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Machine;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.vmm.RootPortReserve;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The before-launch verdicts about passthrough devices that the kernel only reveals when a guest starts or the
 * device is handed back: reset ({@link ResetCheck}), BARs and a boot framebuffer inside one, the guest's MMIO
 * window ({@link MmioWindow}). Reads sysfs and /proc only; the VFIO hot-reset answer comes in from the caller.
 */
public final class DeviceDiagnosis {
    private final Sysfs sysfs;
    private final Path proc;
    private final HostRoots roots;
    private final boolean arm;

    public DeviceDiagnosis(HostRoots roots, boolean arm) {
        this.roots = roots;
        this.sysfs = new Sysfs(roots.sysfs());
        this.proc = roots.proc();
        this.arm = arm;
    }

    /** An x86_64 host over these trees (tests). */
    DeviceDiagnosis(Sysfs sysfs, Path proc) {
        this(new HostRoots(sysfs.root(), proc.resolveSibling("dev"), proc), false);
    }

    /** Reset, BARs and boot framebuffer of one device; empty when the device does not exist. */
    public List<DeviceVerdict> device(PciAddress a, Optional<List<PciAddress>> hotResetPeers) {
        Optional<Path> dir = sysfs.deviceDir(a);
        Optional<PciDevice> d = sysfs.device(a);
        if (dir.isEmpty() || d.isEmpty()) {
            return List.of();
        }
        List<DeviceVerdict> out = new ArrayList<>();
        out.add(ResetCheck.check(d.get(), dir.get(), sysfs.config(a), hotResetPeers));
        PciBars.read(dir.get()).ifPresent(bars -> {
            out.add(bars(a, dir.get(), bars));
            framebuffer(d.get(), bars).ifPresent(out::add);
        });
        return out;
    }

    /** Every device verdict for a guest, then the MMIO window verdicts, in guest.json's order. */
    public List<DeviceVerdict> guest(
            GuestSpec spec, VmmHostProfile vmm, Map<PciAddress, List<PciAddress>> hotResetPeers) {
        List<DeviceVerdict> out = new ArrayList<>();
        Map<PciAddress, List<PciBars.Bar>> bars = new LinkedHashMap<>();
        Map<PciAddress, String> evidence = new LinkedHashMap<>();
        for (GuestSpec.Passthrough p : spec.passthrough()) {
            out.addAll(device(p.host(), Optional.ofNullable(hotResetPeers.get(p.host()))));
            sysfs.deviceDir(p.host()).ifPresent(dir -> PciBars.read(dir).ifPresent(b -> {
                bars.put(p.host(), b);
                evidence.put(p.host(), dir.resolve("resource").toString());
            }));
        }
        out.addAll(MmioWindow.check(spec, vmm, bars, evidence));
        out.addAll(InterruptIsolation.verdicts(spec, InterruptIsolation.assess(roots, arm), arm));
        return out;
    }

    /** The root port reservations for {@code spec} on this host (VMLAUNCH_SYSFS moves sysfs). */
    public static RootPortReserve rootPortReserve(GuestSpec spec) {
        if (spec.passthrough().isEmpty() || spec.machine() == Machine.PC) {
            return RootPortReserve.NONE;
        }
        return new RootPortReserve(new DeviceDiagnosis(HostRoots.fromEnvironment(), false).pref64Reserve(spec));
    }

    /** What root port reservation each passthrough slot needs (for the qemu argv); absent when none. */
    public Map<PciAddress, Long> pref64Reserve(GuestSpec spec) {
        Map<PciAddress, Long> out = new LinkedHashMap<>();
        for (GuestSpec.Passthrough p : spec.passthrough()) {
            sysfs.deviceDir(p.host()).flatMap(PciBars::read).ifPresent(b -> {
                PciAddress slot = new PciAddress(
                        p.host().domain(), p.host().bus(), p.host().slot(), 0);
                out.merge(slot, sumPref64(b), Long::sum);
            });
        }
        out.replaceAll((slot, sum) -> MmioWindow.pref64Reserve(List.of(new PciBars.Bar(
                0,
                0,
                sum - 1,
                PciBars.IORESOURCE_MEM | PciBars.IORESOURCE_MEM_64 | PciBars.IORESOURCE_PREFETCH,
                List.of()))));
        out.values().removeIf(v -> v == 0);
        return out;
    }

    private static long sumPref64(List<PciBars.Bar> bars) {
        return bars.stream()
                .filter(b -> b.memory() && b.mem64() && b.prefetchable() && !b.rom())
                .mapToLong(PciBars.Bar::size)
                .sum();
    }

    private static DeviceVerdict bars(PciAddress a, Path dir, List<PciBars.Bar> bars) {
        List<String> evidence = new ArrayList<>();
        evidence.add(dir.resolve("resource").toString());
        for (PciBars.Bar b : bars) {
            if (!b.resizableMiB().isEmpty()) {
                evidence.add(dir.resolve("resource" + b.index() + "_resize").toString());
            }
        }
        String list = bars.isEmpty()
                ? "no BARs"
                : String.join(", ", bars.stream().map(PciBars.Bar::describe).toList());
        return DeviceVerdict.pass("bars", a, list, evidence);
    }

    private Optional<DeviceVerdict> framebuffer(PciDevice d, List<PciBars.Bar> bars) {
        Optional<BootFramebuffer.Iomem> iomem = BootFramebuffer.read(proc);
        Path file = proc.resolve("iomem");
        if (iomem.isEmpty()) {
            return Optional.empty();
        }
        if (iomem.get().hidden()) {
            return d.baseClass() == 0x03
                    ? Optional.of(DeviceVerdict.warn(
                            "boot-framebuffer",
                            d.address(),
                            "cannot tell whether a boot framebuffer holds one of its BARs: " + file
                                    + " hides addresses from " + "this user",
                            List.of(file + " (all ranges 0)"),
                            "run 'vmlaunch check' as root"))
                    : Optional.empty();
        }
        for (PciBars.Bar b : bars) {
            for (BootFramebuffer.Region r : iomem.get().framebuffers()) {
                if (b.memory() && r.overlaps(b.start(), b.end())) {
                    return Optional.of(DeviceVerdict.fail(
                            "boot-framebuffer",
                            d.address(),
                            "the boot framebuffer \""
                                    + r.name() + "\" holds " + (b.rom() ? "its ROM" : "its BAR " + b.index())
                                    + String.format(" [mem 0x%x-0x%x]", b.start(), b.end())
                                    + ": vfio-pci cannot reserve it "
                                    + "(\"BAR " + b.index() + ": can't reserve\") and the guest's driver fails",
                            List.of(file + ": " + r, d.address() + " " + b.describe()),
                            "add video=efifb:off (or initcall_blacklist=sysfb_init on Linux 5.15+, where sysfb "
                                    + "registers simple-framebuffer) to GRUB_CMDLINE_LINUX_DEFAULT " + HostDoctor.GRUB
                                    + "; or make another GPU the boot display in the firmware"));
                }
            }
        }
        return Optional.of(DeviceVerdict.pass(
                "boot-framebuffer", d.address(), "no boot framebuffer in its BARs", List.of(file.toString())));
    }
}
