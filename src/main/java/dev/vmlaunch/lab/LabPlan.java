package dev.vmlaunch.lab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The guests and harness of a lab run, as guest.json / harness.json text built with Jackson, so that what the lab ran
 * can be read (and re-run by hand) from its folder. Values here are paths and addresses vmlaunch made itself.
 */
final class LabPlan {
    static final String NIC = "8086:10d3";
    /** Brings the passed-through NIC up and moves traffic through it (QEMU's user network answers the gateway). */
    static final String WORKLOAD = "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && sleep 2 "
            + "&& ping -c 5 -W 3 10.0.2.2";

    /** Where the lab host sees the jar's folder, the test images and the lab folder (its own shares, read-only but the last). */
    static final String JAR_MOUNT = "/mnt/vmlaunch";
    static final String IMAGES_MOUNT = "/mnt/images";
    static final String LAB_MOUNT = "/mnt/lab";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LabPlan() {
    }

    /**
     * How the nested guests run. KVM: the lab host loads kvm + kvm_amd (TCG's {@code -cpu max} has AMD-V) and each
     * nested guest gets a lab-host CPU of its own, since two unpinned nested KVM guests crash or hang QEMU 7.2's SVM
     * emulation. TCG: TCG inside TCG, slow but independent of nested virtualisation.
     */
    enum Mode {
        KVM("kvm"), TCG("tcg");

        final String accel;

        Mode(String accel) {
            this.accel = accel;
        }
    }

    /** Nested guests of the x86 lab: one NIC each, one lab-host CPU each. */
    static final int NESTED_GUESTS = 2;

    /**
     * The x86_64 lab host: q35 under TCG with the intel vIOMMU, two e1000e, the host's / read-only as its root, and the
     * jar, the images and the lab folder as shares of their own: the lab host mounts fresh tmpfs on /tmp, /run and /mnt,
     * so a checkout under /tmp would be out of its sight otherwise.
     */
    static String labHost(Path images, Path labDir, Path java, Path jar, Mode mode, int cpus) {
        String exec = java + " -- -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -jar " + JAR_MOUNT + "/"
                + jar.getFileName() + " lab-inside " + LAB_MOUNT + " " + IMAGES_MOUNT + " --mode " + mode.accel;
        ObjectNode g = JSON.createObjectNode();
        g.put("name", "vmlaunch-lab");
        g.put("vmm", "qemu").put("arch", "x86_64").put("accel", "tcg").put("machine", "q35").put("viommu", "intel");
        g.put("cpus", cpus).put("memory", "4G");
        g.put("kernel", images.resolve("x86_64/vmlinuz").toString());
        g.put("initrd", images.resolve("x86_64/initramfs.gz").toString());
        // no_timer_check: on a busy machine the TCG lab host's boot-time IO-APIC timer check can fail and panic the
        // kernel ("timer doesn't work through Interrupt-remapped IO-APIC"); the check is meant for broken hardware.
        // kvm_amd.npt=0: with nested paging, two nested KVM guests at once crashed the lab host even when pinned
        // ("TASK stack guard page was hit" in exc_page_fault, QEMU 7.2's TCG SVM emulation); shadow paging did not.
        g.put("cmdline", "intel_iommu=on quiet no_timer_check" + (mode == Mode.KVM ? " vmlaunch.modules=kvm kvm_amd.npt=0" : "")
                + " vmlaunch.root=hostroot vmlaunch.9p=labjar:" + JAR_MOUNT + ",labimg:" + IMAGES_MOUNT + ",lab:"
                + LAB_MOUNT + " vmlaunch.exec=" + exec);
        ArrayNode shares = g.putArray("shares");
        shares.addObject().put("path", "/").put("tag", "hostroot").put("readonly", true);
        shares.addObject().put("path", jar.getParent().toString()).put("tag", "labjar").put("readonly", true);
        shares.addObject().put("path", images.toString()).put("tag", "labimg").put("readonly", true);
        // mapped-file, not the mapped-xattr default: the lab folder sits in the state folder, on tmpfs under /run for
        // root, and tmpfs has no user xattrs before Linux 6.6 (Debian 12 runs 6.1).
        shares.addObject().put("path", labDir.toString()).put("tag", "lab").put("security", "mapped-file");
        ArrayNode devices = g.putArray("devices");
        for (int i = 0; i < NESTED_GUESTS; i++) {
            ObjectNode d = devices.addObject().put("model", "e1000e").put("id", "labnic" + i).put("netdev", "user");
            d.putObject("props").put("addr", "0x" + (5 + i));
        }
        return write(g);
    }

    /**
     * A nested guest inside the lab host with one NIC passed through, managed: its supervisor binds the NIC to vfio-pci
     * and gives it back, as for a user. Under KVM the whole VMM stays on lab-host CPU {@code cpu} (guest.json
     * {@code cpuAffinity}): two nested KVM guests sharing the lab host's CPUs crash or hang QEMU 7.2's SVM emulation.
     */
    static String nestedGuest(String name, Path images, Path share, String bdf, Mode mode, int cpu) {
        return write(nestedGuestNode(name, images, share, bdf, mode, cpu));
    }

    /**
     * The detached flow's guest: a nested guest as above, with one hotplug slot for {@code vmlaunch attach} and the
     * harness agent's kernel arguments (the lab runs a workload in it after the attach).
     */
    static String hotplugGuest(String name, Path images, Path share, String bdf, Mode mode, int cpu, String agentArgs) {
        ObjectNode g = nestedGuestNode(name, images, share, bdf, mode, cpu);
        g.put("cmdline", g.path("cmdline").asText() + " " + agentArgs);
        g.put("hotplugSlots", 1);
        return write(g);
    }

    /**
     * Brings up the NIC at guest address {@code guestBdf} once the guest's e1000e driver has taken it (pciehp probes a
     * hot-added device a moment after QEMU reports it plugged in) and moves traffic through it.
     */
    static String hotplugWorkload(String guestBdf) {
        String net = "/sys/bus/pci/devices/" + guestBdf + "/net";
        return "i=0; while [ ! -d " + net + " ] && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done; n=$(ls " + net + ") && "
                + "ip link set $n up && ip addr add 10.0.2.15/24 dev $n && sleep 2 && ping -c 5 -W 3 10.0.2.2";
    }

    private static ObjectNode nestedGuestNode(String name, Path images, Path share, String bdf, Mode mode, int cpu) {
        ObjectNode g = JSON.createObjectNode();
        g.put("name", name);
        g.put("vmm", "qemu").put("arch", "x86_64");
        g.put("accel", mode.accel).put("machine", "q35");
        g.put("cpus", 1).put("memory", mode == Mode.KVM ? "256M" : "320M");
        if (mode == Mode.KVM) {
            g.put("cpuAffinity", Integer.toString(cpu));
        }
        g.put("kernel", images.resolve("x86_64/vmlinuz").toString());
        g.put("initrd", images.resolve("x86_64/initramfs.gz").toString());
        g.put("cmdline", "quiet");
        // The share is on the lab host's tmpfs, which has no user xattrs before Linux 6.6 (the lab host runs 6.1):
        // mapped-file keeps the guest's links and modes in .virtfs_metadata files instead.
        g.putArray("shares").addObject().put("path", share.toString()).put("tag", "hostshare").put("security", "mapped-file");
        g.putArray("passthrough").addObject().put("host", bdf).put("managed", true);
        return g;
    }

    /** The aarch64 lab: one GICv3-ITS guest with SMMUv3 and an emulated e1000e. */
    static String itsGuest(Path images, Path share) {
        ObjectNode g = JSON.createObjectNode();
        g.put("name", "vmlaunch-lab-its");
        g.put("vmm", "qemu").put("arch", "aarch64").put("accel", "tcg").put("machine", "virt");
        g.put("irqchip", "gicv3-its").put("viommu", "smmuv3").put("cpus", 2).put("memory", "512M");
        g.put("kernel", images.resolve("aarch64/Image").toString());
        g.put("initrd", images.resolve("aarch64/initramfs.gz").toString());
        g.put("cmdline", "quiet");
        g.putArray("shares").addObject().put("path", share.toString()).put("tag", "hostshare");
        g.putArray("devices").addObject().put("model", "e1000e").put("id", "itsnic").put("netdev", "user");
        return write(g);
    }

    static String harness(String name, List<String> guestFiles, String chip, List<String> devices, int bootTimeout) {
        ObjectNode h = JSON.createObjectNode();
        h.put("name", name);
        ArrayNode guests = h.putArray("guests");
        guestFiles.forEach(guests::add);
        h.put("share", "hostshare");
        h.put("workload", WORKLOAD);
        h.put("bootTimeout", bootTimeout).put("workloadTimeout", 180);
        if (!devices.isEmpty()) {
            ArrayNode d = h.putArray("devices");
            devices.forEach(d::add);
        }
        ObjectNode expect = h.putObject("expect");
        if (chip != null) {
            expect.put("chip", chip);
        }
        expect.put("minVectorsFired", 1).put("minTotalDelta", 1);
        return write(h);
    }

    private static String write(ObjectNode n) {
        try {
            return JSON.writeValueAsString(n) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
