package dev.vmlaunch.host;

import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.vmm.Executables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * cpuAffinity / vcpuPin against this host: every CPU must be online (else the host is not ready: exit 3), and a
 * passthrough device should sit on the NUMA node of the CPUs its guest is pinned to (else a warning: DMA and
 * interrupts would cross the interconnect).
 */
public final class AffinityCheck {
    static final String ONLINE = "devices/system/cpu/online";

    private final Sysfs sysfs;

    public AffinityCheck(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    /** The host's online CPUs, from {@code /sys/devices/system/cpu/online}. */
    public Optional<CpuList> onlineCpus() {
        return Sysfs.attribute(sysfs.root().resolve("devices/system/cpu"), "online")
                .flatMap(s -> CpuList.parse(s, why -> {}));
    }

    /**
     * The NUMA verdict per passthrough device for {@code check}'s report: the device's node and local CPUs against
     * the CPUs the guest is pinned to. Memory follows: Linux allocates a process's pages on the node of the CPU that
     * first touches them, so a VMM pinned within {@code local_cpulist} from its first instruction gets its RAM there.
     */
    public List<DeviceVerdict> numaVerdicts(GuestSpec spec) {
        List<DeviceVerdict> out = new ArrayList<>();
        Affinity a = spec.affinity();
        CpuList pinned = !a.any()
                ? null
                : a.vcpus().isEmpty()
                        ? a.process()
                        : a.vcpus().values().stream().reduce(CpuList::union).orElseThrow();
        Optional<CpuList> online = onlineCpus();
        for (GuestSpec.Passthrough p : spec.passthrough()) {
            Optional<java.nio.file.Path> dir = sysfs.deviceDir(p.host());
            if (dir.isEmpty()) {
                continue;
            }
            String node =
                    Sysfs.attribute(dir.get(), "numa_node").map(String::strip).orElse("-1");
            Optional<CpuList> local =
                    Sysfs.attribute(dir.get(), "local_cpulist").flatMap(s -> CpuList.parse(s, why -> {}));
            List<String> evidence = List.of(
                    dir.get().resolve("numa_node") + " = " + node,
                    dir.get().resolve("local_cpulist") + " = "
                            + local.map(CpuList::toString).orElse("?"));
            if (node.equals("-1") || local.isEmpty()) {
                out.add(DeviceVerdict.pass(
                        "numa", p.host(), "no NUMA node (one node, or the firmware does not say)", evidence));
            } else if (pinned == null) {
                boolean allLocal = online.map(o -> o.isWithin(local.get())).orElse(true);
                out.add(
                        allLocal
                                ? DeviceVerdict.pass(
                                        "numa", p.host(), "on NUMA node " + node + ", local to every CPU", evidence)
                                : unpinned(p, node, local.get(), evidence));
            } else if (pinned.isWithin(local.get())) {
                out.add(DeviceVerdict.pass(
                        "numa",
                        p.host(),
                        "on NUMA node " + node + ", and the guest is pinned to its " + "local CPUs (" + pinned + ")",
                        evidence));
            } else {
                out.add(DeviceVerdict.warn(
                        "numa",
                        p.host(),
                        "on NUMA node " + node + " (local CPUs " + local.get() + "), but the guest is pinned to "
                                + pinned,
                        evidence,
                        "pin the guest within " + local.get() + " (cpuAffinity / vcpuPin)"));
            }
        }
        return out;
    }

    private static DeviceVerdict unpinned(GuestSpec.Passthrough p, String node, CpuList local, List<String> evidence) {
        return DeviceVerdict.warn(
                "numa",
                p.host(),
                "on NUMA node " + node + " (local CPUs " + local + ") but the guest is "
                        + "not pinned: its vCPUs and RAM may land on another node, and every DMA and interrupt crosses the "
                        + "interconnect",
                evidence,
                "set \"cpuAffinity\": \"" + local + "\" in guest.json (the guest's RAM then " + "comes from node "
                        + node + " too: Linux allocates on the node of the CPU that first touches it)");
    }

    /** @param pathEnv where {@code taskset} is looked for (it starts the VMM under the process mask) */
    public List<Problem> problemsFor(GuestSpec spec, String pathEnv) {
        Affinity a = spec.affinity();
        List<Problem> out = new ArrayList<>();
        if (!a.any()) {
            // Not pinned: only the suggestion for a device that is local to some CPUs only.
            numaVerdicts(spec).stream()
                    .filter(v -> !v.passed())
                    .map(DeviceVerdict::problem)
                    .forEach(out::add);
            return out;
        }
        if (a.process() != null && Executables.find("taskset", pathEnv).isEmpty()) {
            out.add(Problem.error(
                    "taskset not found on PATH: it starts the VMM under \"cpuAffinity\"",
                    "install it: apt-get install util-linux"));
        }
        Optional<CpuList> online = onlineCpus();
        if (online.isEmpty()) {
            out.add(Problem.error(
                    "cannot read the host's online CPUs (" + sysfs.root().resolve(ONLINE) + ") to check "
                            + "\"cpuAffinity\" / \"vcpuPin\"",
                    "mount sysfs at /sys"));
            return out;
        }
        if (a.process() != null) {
            offline("\"cpuAffinity\" (" + a.process() + ")", a.process(), online.get())
                    .ifPresent(out::add);
        }
        for (Map.Entry<Integer, CpuList> e : a.vcpus().entrySet()) {
            offline("\"vcpuPin\" of vCPU " + e.getKey() + " (" + e.getValue() + ")", e.getValue(), online.get())
                    .ifPresent(out::add);
        }
        // The vCPUs are what drives a device; without vcpuPin, the whole process.
        CpuList pinned = a.vcpus().isEmpty()
                ? a.process()
                : a.vcpus().values().stream().reduce(CpuList::union).orElseThrow();
        for (GuestSpec.Passthrough p : spec.passthrough()) {
            locality(p.host(), pinned).ifPresent(out::add);
        }
        return out;
    }

    private static Optional<Problem> offline(String what, CpuList asked, CpuList online) {
        return asked.minus(online)
                .map(missing -> Problem.error(
                        what + " names CPU" + (missing.size() == 1 ? " " : "s ") + missing
                                + ", not online on this host (online: " + online + ")",
                        "pin to online CPUs (/sys/devices/system/cpu/online), or bring the CPU online: "
                                + "echo 1 > /sys/devices/system/cpu/cpuN/online"));
    }

    private Optional<Problem> locality(PciAddress device, CpuList pinned) {
        Optional<java.nio.file.Path> dir = sysfs.deviceDir(device);
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        Optional<CpuList> local = Sysfs.attribute(dir.get(), "local_cpulist").flatMap(s -> CpuList.parse(s, why -> {}));
        String node = Sysfs.attribute(dir.get(), "numa_node").map(String::strip).orElse("-1");
        // numa_node -1: the firmware did not say (one node, or no NUMA information): nothing to compare with.
        if (local.isEmpty() || node.equals("-1") || pinned.isWithin(local.get())) {
            return Optional.empty();
        }
        CpuList far = pinned.minus(local.get()).orElseThrow();
        return Optional.of(Problem.warning(
                device + " is on NUMA node " + node + " (local CPUs " + local.get()
                        + "), but the guest is pinned to CPU" + (pinned.size() == 1 ? " " : "s ") + pinned + " (" + far
                        + " on another node)",
                "pin the guest within " + local.get() + " (cpuAffinity / vcpuPin)"));
    }
}
