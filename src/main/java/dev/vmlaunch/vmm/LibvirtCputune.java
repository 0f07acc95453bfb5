package dev.vmlaunch.vmm;

import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import java.util.Map;

/**
 * cpuAffinity / vcpuPin in libvirt's words: {@code <vcpu cpuset>} is the default for every vCPU and
 * {@code <emulatorpin>} holds qemu's other threads (together, the process mask vmlaunch sets), and
 * {@code <cputune><vcpupin>} pins single vCPUs. libvirt applies them before the guest runs, as vmlaunch does with -S.
 */
final class LibvirtCputune {
    private LibvirtCputune() {}

    static void add(Affinity a, XmlElement vcpu, XmlElement domain) {
        if (!a.any()) {
            return;
        }
        if (a.process() != null) {
            vcpu.attr("cpuset", a.process().toString());
        }
        XmlElement tune = domain.add("cputune");
        for (Map.Entry<Integer, CpuList> e : a.vcpus().entrySet()) {
            tune.add("vcpupin")
                    .attr("vcpu", Integer.toString(e.getKey()))
                    .attr("cpuset", e.getValue().toString());
        }
        if (a.process() != null) {
            tune.add("emulatorpin").attr("cpuset", a.process().toString());
        }
    }
}
