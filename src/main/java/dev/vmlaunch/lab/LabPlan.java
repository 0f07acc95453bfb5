package dev.vmlaunch.lab;

import java.nio.file.Path;
import java.util.List;

/**
 * The guests and harness of a lab run, as guest.json / harness.json text, so that what the lab ran can be read
 * (and re-run by hand) from its folder. Values here are paths and addresses vmlaunch made itself.
 */
final class LabPlan {
    static final String NIC = "8086:10d3";
    /** Brings the passed-through NIC up and moves traffic through it (QEMU's user network answers the gateway). */
    static final String WORKLOAD = "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && sleep 2 "
            + "&& ping -c 5 -W 3 10.0.2.2";

    private LabPlan() {
    }

    /** Where the lab host sees the jar's folder, the test images and the lab folder (its own shares, read-only but the last). */
    static final String JAR_MOUNT = "/mnt/vmlaunch";
    static final String IMAGES_MOUNT = "/mnt/images";
    static final String LAB_MOUNT = "/mnt/lab";

    /**
     * The x86_64 lab host: q35 under TCG with the intel vIOMMU, two e1000e, the host's / read-only as its root, and the
     * jar, the images and the lab folder as shares of their own: the lab host mounts fresh tmpfs on /tmp, /run and /mnt,
     * so a checkout under /tmp would be out of its sight otherwise.
     */
    static String labHost(Path images, Path labDir, Path java, Path jar) {
        String exec = java + " -- -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -jar " + JAR_MOUNT + "/"
                + jar.getFileName() + " lab-inside " + LAB_MOUNT + " " + IMAGES_MOUNT;
        return "{\n"
                + "  \"name\": \"vmlaunch-lab\",\n"
                + "  \"vmm\": \"qemu\", \"arch\": \"x86_64\", \"accel\": \"tcg\", \"machine\": \"q35\", \"viommu\": \"intel\",\n"
                + "  \"cpus\": 2, \"memory\": \"4G\",\n"
                + "  \"kernel\": " + q(images.resolve("x86_64/vmlinuz")) + ",\n"
                + "  \"initrd\": " + q(images.resolve("x86_64/initramfs.gz")) + ",\n"
                + "  \"cmdline\": " + q("intel_iommu=on quiet vmlaunch.root=hostroot vmlaunch.9p=labjar:" + JAR_MOUNT
                        + ",labimg:" + IMAGES_MOUNT + ",lab:" + LAB_MOUNT + " vmlaunch.exec=" + exec) + ",\n"
                + "  \"shares\": [\n"
                + "    {\"path\": \"/\", \"tag\": \"hostroot\", \"readonly\": true},\n"
                + "    {\"path\": " + q(jar.getParent()) + ", \"tag\": \"labjar\", \"readonly\": true},\n"
                + "    {\"path\": " + q(images) + ", \"tag\": \"labimg\", \"readonly\": true},\n"
                + "    {\"path\": " + q(labDir) + ", \"tag\": \"lab\"}\n"
                + "  ],\n"
                + "  \"devices\": [\n"
                + "    {\"model\": \"e1000e\", \"id\": \"labnic0\", \"netdev\": \"user\", \"props\": {\"addr\": \"0x5\"}},\n"
                + "    {\"model\": \"e1000e\", \"id\": \"labnic1\", \"netdev\": \"user\", \"props\": {\"addr\": \"0x6\"}}\n"
                + "  ]\n"
                + "}\n";
    }

    /** A nested guest inside the lab host with one NIC passed through (already bound by the lab: not managed). */
    static String nestedGuest(String name, Path images, Path share, String bdf) {
        return "{\n"
                + "  \"name\": " + q(name) + ",\n"
                + "  \"vmm\": \"qemu\", \"arch\": \"x86_64\", \"accel\": \"tcg\", \"machine\": \"q35\",\n"
                + "  \"cpus\": 1, \"memory\": \"320M\",\n"
                + "  \"kernel\": " + q(images.resolve("x86_64/vmlinuz")) + ",\n"
                + "  \"initrd\": " + q(images.resolve("x86_64/initramfs.gz")) + ",\n"
                + "  \"cmdline\": \"quiet\",\n"
                // The share is on the lab host's tmpfs, which has no user xattrs before Linux 6.6 (the lab host runs
                // 6.1): mapped-file keeps the guest's links and modes in .virtfs_metadata files instead.
                + "  \"shares\": [{\"path\": " + q(share) + ", \"tag\": \"hostshare\", \"security\": \"mapped-file\"}],\n"
                + "  \"passthrough\": [{\"host\": " + q(bdf) + ", \"managed\": false}]\n"
                + "}\n";
    }

    /** The aarch64 lab: one GICv3-ITS guest with SMMUv3 and an emulated e1000e. */
    static String itsGuest(Path images, Path share) {
        return "{\n"
                + "  \"name\": \"vmlaunch-lab-its\",\n"
                + "  \"vmm\": \"qemu\", \"arch\": \"aarch64\", \"accel\": \"tcg\", \"machine\": \"virt\",\n"
                + "  \"irqchip\": \"gicv3-its\", \"viommu\": \"smmuv3\", \"cpus\": 2, \"memory\": \"512M\",\n"
                + "  \"kernel\": " + q(images.resolve("aarch64/Image")) + ",\n"
                + "  \"initrd\": " + q(images.resolve("aarch64/initramfs.gz")) + ",\n"
                + "  \"cmdline\": \"quiet\",\n"
                + "  \"shares\": [{\"path\": " + q(share) + ", \"tag\": \"hostshare\"}],\n"
                + "  \"devices\": [{\"model\": \"e1000e\", \"id\": \"itsnic\", \"netdev\": \"user\"}]\n"
                + "}\n";
    }

    static String harness(String name, List<String> guestFiles, String chip, List<String> devices, int bootTimeout) {
        StringBuilder g = new StringBuilder();
        for (String f : guestFiles) {
            g.append(g.length() == 0 ? "" : ", ").append(q(f));
        }
        StringBuilder d = new StringBuilder();
        for (String v : devices) {
            d.append(d.length() == 0 ? "" : ", ").append(q(v));
        }
        return "{\n"
                + "  \"name\": " + q(name) + ",\n"
                + "  \"guests\": [" + g + "],\n"
                + "  \"share\": \"hostshare\",\n"
                + "  \"workload\": " + q(WORKLOAD) + ",\n"
                + "  \"bootTimeout\": " + bootTimeout + ", \"workloadTimeout\": 180,\n"
                + (devices.isEmpty() ? "" : "  \"devices\": [" + d + "],\n")
                + "  \"expect\": {" + (chip == null ? "" : "\"chip\": " + q(chip) + ", ") + "\"minVectorsFired\": 1, \"minTotalDelta\": 1}\n"
                + "}\n";
    }

    private static String q(Object s) {
        return "\"" + s.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
