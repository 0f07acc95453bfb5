package dev.vmlaunch.lab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.JsonMappers;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The guests and harness of a lab run, as guest.json / harness.json text built with Jackson, so that what the lab ran
 * can be read (and re-run by hand) from its folder. Values here are paths and addresses vmlaunch made itself.
 */
final class LabPlan {
    static final String NIC = "8086:10d3";
    /**
     * Brings up the passed-through NIC and moves traffic through it (QEMU's user network answers the gateway): waits
     * for its carrier (the link comes up a moment after {@code ip link set up}; a fixed {@code sleep 2} waited longer
     * than that), then five pings, each sent as soon as the previous one is answered ({@code -A}: the interrupts are
     * what is measured, not the round trip, and the default 1 s interval cost 4 s a run). bench/lab-raw.sh runs the
     * same commands.
     */
    static final String WORKLOAD = traffic("eth0");

    /** Seconds a workload waits for a link's carrier before it pings anyway (and the ping then fails). */
    static final int CARRIER_TIMEOUT_SECONDS = 10;

    /** Where the lab host sees the jar's folder, the test images and the lab folder (its own shares, read-only but the last). */
    static final String JAR_MOUNT = "/mnt/vmlaunch";

    static final String IMAGES_MOUNT = "/mnt/images";
    static final String LAB_MOUNT = "/mnt/lab";
    /** Where the lab host sees the folder of the user's kvmtool binary (--lkvm). */
    private LabPlan() {}

    /**
     * How the nested guests run. KVM: the lab host loads kvm + kvm_amd (TCG's {@code -cpu max} has AMD-V) and each
     * nested guest gets a lab-host CPU of its own, since two unpinned nested KVM guests crash or hang QEMU 7.2's SVM
     * emulation. TCG: TCG inside TCG, slow but independent of nested virtualisation.
     */
    enum Mode {
        KVM("kvm"),
        TCG("tcg");

        final String accel;

        Mode(String accel) {
            this.accel = accel;
        }
    }

    /** Nested guests of the x86 lab: one NIC each, one lab-host CPU each. */
    static final int NESTED_GUESTS = 2;

    /** The x86_64 lab host, with this machine's / as its root and its own JVM. */
    static String labHost(Path images, Path labDir, Path java, Path jar, Mode mode, int cpus) {
        return labHost(LabArch.X86_64, images, labDir, Path.of("/"), java, jar, mode, cpus, null);
    }

    /**
     * The lab host: TCG with a vIOMMU and two e1000e, {@code root} read-only as its root file system (x86_64: this
     * machine's /; aarch64: the arm64 root of {@link LabRoot}) with {@code java} in it, and the jar, the images and the
     * lab folder as shares of their own: the lab host mounts fresh tmpfs on /tmp, /run and /mnt, so a checkout under
     * /tmp would be out of its sight otherwise. {@code lkvm}, when given, is a kvmtool binary whose folder is shared
     * too: the nested guests then run under it.
     */
    static String labHost(
            LabArch arch, Path images, Path labDir, Path root, Path java, Path jar, Mode mode, int cpus, Path lkvm) {
        // With this machine's / as its root the lab host sees the jar at its own path, with its CDS archives; another
        // root (the arm64 one) has neither, and its JVM could not use this JVM's archives anyway.
        LabHostJar inside = root.equals(Path.of("/"))
                ? LabHostJar.of(jar, Path.of(JAR_MOUNT))
                : new LabHostJar(Path.of(JAR_MOUNT).resolve(jar.getFileName()), dev.vmlaunch.JvmFlags.cli());
        // x86_64 with --lkvm: kvmtool makes its sockets in $HOME/.lkvm, and this machine's /root is read-only in the
        // lab host, so its JVM (and the supervisors it starts) get a writable HOME; the arm64 root links ~/.lkvm to
        // /run.
        String launch = lkvm != null && arch == LabArch.X86_64
                ? "/usr/bin/env -- HOME=" + LabLkvm.HOME + " " + java + " "
                : java + " -- ";
        String exec = launch + String.join(" ", inside.javaFlags()) + " -jar " + inside.path() + " lab-inside "
                + LAB_MOUNT + " " + IMAGES_MOUNT + " --mode " + mode.accel
                + (lkvm != null ? " --lkvm " + LabLkvm.inside(lkvm) : "");
        ObjectNode g = JsonMappers.object();
        g.put("name", "vmlaunch-lab");
        g.put("vmm", "qemu").put("arch", arch.json()).put("accel", "tcg");
        String kernelArgs = arch.labHostMachine(g, mode);
        g.put("cpus", cpus).put("memory", arch.labHostMemory);
        g.put("kernel", arch.kernel(images).toString());
        g.put("initrd", arch.initrd(images).toString());
        g.put(
                "cmdline",
                // ":ro": the jar, the images and kvmtool do not change during a run, so the test image's init mounts
                // them cached; uncached, each nested QEMU's map of the 65 MB vmlinux was 4.5 s of 9p round trips.
                kernelArgs + " vmlaunch.root=hostroot vmlaunch.9p=labjar:" + JAR_MOUNT + ":ro,labimg:" + IMAGES_MOUNT
                        + ":ro,lab:" + LAB_MOUNT + (lkvm != null ? "," + LabLkvm.TAG + ":" + LabLkvm.MOUNT + ":ro" : "")
                        + " vmlaunch.exec=" + exec);
        ArrayNode shares = g.putArray("shares");
        shares.addObject().put("path", root.toString()).put("tag", "hostroot").put("readonly", true);
        shares.addObject()
                .put("path", jar.getParent().toString())
                .put("tag", "labjar")
                .put("readonly", true);
        shares.addObject().put("path", images.toString()).put("tag", "labimg").put("readonly", true);
        // mapped-file, not the mapped-xattr default: the lab folder sits in the state folder, on tmpfs under /run for
        // root, and tmpfs has no user xattrs before Linux 6.6 (Debian 12 runs 6.1).
        shares.addObject().put("path", labDir.toString()).put("tag", "lab").put("security", "mapped-file");
        if (lkvm != null) {
            shares.addObject()
                    .put("path", lkvm.getParent().toString())
                    .put("tag", LabLkvm.TAG)
                    .put("readonly", true);
        }
        ArrayNode devices = g.putArray("devices");
        // The NICs go right after the 9p devices, which QEMU places first in slots 1, 2, ...: four shares put them at
        // 00:05.0 and 00:06.0 (the x86 lab's tests and the LAVA export know those), the lkvm share one slot later.
        int firstNicSlot = 1 + shares.size();
        for (int i = 0; i < NESTED_GUESTS; i++) {
            ObjectNode d = devices.addObject()
                    .put("model", "e1000e")
                    .put("id", "labnic" + i)
                    .put("netdev", "user");
            d.putObject("props").put("addr", "0x" + Integer.toHexString(firstNicSlot + i));
        }
        return write(g);
    }

    /**
     * A nested guest inside the lab host with one NIC passed through, managed: its supervisor binds the NIC to vfio-pci
     * and gives it back, as for a user. Under KVM the whole VMM stays on lab-host CPU {@code cpu} (guest.json
     * {@code cpuAffinity}): two nested KVM guests sharing the lab host's CPUs crash or hang QEMU 7.2's SVM emulation.
     */
    static String nestedGuest(String name, Path images, Path share, String bdf, Mode mode, int cpu) {
        return nestedGuest(LabArch.X86_64, name, images, share, bdf, mode, cpu, null);
    }

    /**
     * As above for either architecture; with {@code lkvm} (a kvmtool binary as the lab host sees it) the guest is a
     * {@code vmm: lkvm} guest like examples/smmute-virt1.json: GICv3 ITS, serial console, no network of its own (else
     * kvmtool adds a virtio-net that takes eth0 from the passed-through NIC), MTE off.
     */
    static String nestedGuest(
            LabArch arch, String name, Path images, Path share, String bdf, Mode mode, int cpu, String lkvm) {
        return write(nestedGuestNode(arch, name, images, share, bdf, mode, cpu, lkvm));
    }

    /**
     * The detached flow's guest: a nested guest as above, with one hotplug slot for {@code vmlaunch attach} and the
     * harness agent's kernel arguments (the lab runs a workload in it after the attach).
     */
    static String hotplugGuest(String name, Path images, Path share, String bdf, Mode mode, int cpu, String agentArgs) {
        return hotplugGuest(LabArch.X86_64, name, images, share, bdf, mode, cpu, agentArgs);
    }

    /**
     * As above for either architecture (a qemu guest: q35 or virt, whose {@code pcie-root-port} slots both take native
     * PCIe hotplug; the guest kernel's pciehp sees the device arrive as a user's guest would).
     */
    static String hotplugGuest(
            LabArch arch, String name, Path images, Path share, String bdf, Mode mode, int cpu, String agentArgs) {
        ObjectNode g = nestedGuestNode(arch, name, images, share, bdf, mode, cpu, null);
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
        return "i=0; while [ ! -d " + net + " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; n=$(ls " + net
                + ") && " + traffic("$n");
    }

    /**
     * {@link #WORKLOAD}'s commands for interface {@code iface} (a name or a shell variable): up, address, wait for
     * carrier (polled every 0.1 s, at most {@value #CARRIER_TIMEOUT_SECONDS} s), five back-to-back pings.
     */
    static String traffic(String iface) {
        int polls = CARRIER_TIMEOUT_SECONDS * 10;
        return "ip link set " + iface + " up && ip addr add 10.0.2.15/24 dev " + iface + " && i=0 && while [ \"$(cat "
                + "/sys/class/net/" + iface + "/carrier 2>/dev/null)\" != 1 ] && [ $i -lt " + polls
                + " ]; do sleep 0.1; "
                + "i=$((i+1)); done && ping -c 5 -A -W 3 10.0.2.2";
    }

    private static ObjectNode nestedGuestNode(
            LabArch arch, String name, Path images, Path share, String bdf, Mode mode, int cpu, String lkvm) {
        ObjectNode g = JsonMappers.object();
        g.put("name", name);
        if (lkvm != null) {
            g.put("vmm", "lkvm").put("arch", arch.json()).put("binary", lkvm);
            if (arch == LabArch.AARCH64) {
                g.put("irqchip", "gicv3-its");
            }
            g.put("console", "serial");
        } else {
            g.put("vmm", "qemu").put("arch", arch.json());
            g.put("accel", mode.accel);
            arch.nestedMachine(g);
        }
        g.put("cpus", 1).put("memory", mode == Mode.KVM ? "256M" : "320M");
        if (mode == Mode.KVM) {
            g.put("cpuAffinity", Integer.toString(cpu));
        }
        g.put("kernel", (lkvm != null ? arch.lkvmKernel(images) : arch.kernel(images)).toString());
        g.put("initrd", arch.initrd(images).toString());
        g.put("cmdline", "quiet");
        ObjectNode sh =
                g.putArray("shares").addObject().put("path", share.toString()).put("tag", "hostshare");
        if (lkvm == null) {
            // The share is on the lab host's tmpfs, which has no user xattrs before Linux 6.6 (the lab host runs 6.1):
            // mapped-file keeps the guest's links and modes in .virtfs_metadata files instead. (kvmtool has no models.)
            sh.put("security", "mapped-file");
        } else {
            g.put("network", "none");
            if (arch == LabArch.AARCH64) {
                g.put("mte", false);
            }
        }
        g.putArray("passthrough").addObject().put("host", bdf).put("managed", true);
        return g;
    }

    /**
     * {@link #nestedGuest} as a kvmtool guest run by {@code lkvm} (a path inside the lab host): accel kvm (kvmtool's
     * only), one vCPU on lab-host CPU {@code cpu}, the NIC managed, and no virtio-net of kvmtool's own (it would take
     * eth0). Its console is a shell: {@code stop} types poweroff there.
     */
    static String nestedLkvmGuest(String name, Path images, String lkvm, String bdf, int cpu) {
        ObjectNode g = JsonMappers.object();
        g.put("name", name);
        g.put("vmm", "lkvm").put("arch", "x86_64").put("binary", lkvm).put("accel", "kvm");
        g.put("cpus", 1).put("memory", "256M");
        g.put("cpuAffinity", Integer.toString(cpu));
        g.put("kernel", LabArch.X86_64.lkvmKernel(images).toString());
        g.put("initrd", images.resolve("x86_64/initramfs.gz").toString());
        g.put("network", "none");
        g.putArray("passthrough").addObject().put("host", bdf).put("managed", true);
        return write(g);
    }

    static String harness(String name, List<String> guestFiles, String chip, List<String> devices, int bootTimeout) {
        ObjectNode h = JsonMappers.object();
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
            return JsonMappers.pretty().writeValueAsString(n) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
