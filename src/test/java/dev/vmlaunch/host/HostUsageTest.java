package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host-critical refusals for the usual KVM host: storage under LVM, dm-crypt or btrfs, ZFS, a NIC enslaved to the
 * bridge or bond that carries the default route, and /proc files that cannot be read. The fake trees follow the
 * kernel's shapes; where each comes from is noted with it.
 */
class HostUsageTest {
    @TempDir
    Path tmp;

    FakeSysfs fs;
    Path sys;
    Path proc;
    Map<String, List<String>> addresses = Map.of();

    // An AHCI controller (00:1f.2) and an NVMe controller (00:1d.0), and an Intel NIC (00:19.0), as on the Chalach/kvm
    // guide's host.
    @BeforeEach
    void host() {
        fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        fs.device("0000:00:1d.0")
                .vendor("144d")
                .device("a808")
                .cls("010802")
                .driver("nvme")
                .group(11);
        sys = fs.root();
        proc = tmp.resolve("proc");
        // This machine's own /proc/self/mountinfo line for its root: "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw".
        FakeSysfs.write(proc.resolve("self/mountinfo"), "22 27 0:21 / /proc rw,relatime - proc proc rw\n");
        FakeSysfs.write(proc.resolve("swaps"), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        FakeSysfs.write(
                proc.resolve("net/route"),
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
        FakeSysfs.write(proc.resolve("net/ipv6_route"), "");
    }

    List<String> reasons(String bdf) {
        Sysfs s = new Sysfs(sys);
        return new HostUsage(s, proc, i -> addresses.getOrDefault(i, List.of()))
                .reasons(s.device(PciAddress.parse(bdf)).orElseThrow());
    }

    /**
     * A device-mapper device: {@code /sys/devices/virtual/block/dm-N} with {@code dev}, {@code dm/name},
     * {@code slaves/LOWER} and {@code LOWER/holders/dm-N} (Documentation/ABI/testing/sysfs-block, sysfs-block-dm;
     * the same as {@code ls -l /sys/block/dm-0/slaves} on an LVM host).
     */
    void dm(String name, String majMin, String dmName, String lower) {
        Path dir = sys.resolve("devices/virtual/block").resolve(name);
        FakeSysfs.write(dir.resolve("dev"), majMin + "\n");
        FakeSysfs.write(dir.resolve("dm/name"), dmName + "\n");
        FakeSysfs.mkdirs(dir.resolve("holders"));
        FakeSysfs.link(sys.resolve("class/block").resolve(name), dir);
        FakeSysfs.link(sys.resolve("dev/block").resolve(majMin), dir);
        Path lowerDir = sys.resolve("class/block").resolve(lower);
        FakeSysfs.link(dir.resolve("slaves").resolve(lower), lowerDir);
        try {
            FakeSysfs.link(lowerDir.toRealPath().resolve("holders").resolve(name), dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A virtual interface (bridge, bond): /sys/devices/virtual/net/NAME, linked from /sys/class/net/NAME. */
    Path virtualNet(String name) {
        Path dir = sys.resolve("devices/virtual/net").resolve(name);
        FakeSysfs.mkdirs(dir);
        FakeSysfs.link(sys.resolve("class/net").resolve(name), dir);
        return dir;
    }

    /** Port {@code lower} under {@code upper}: lower/master and lower/upper_UP, upper/lower_LOW (sysfs-class-net). */
    void enslave(String lower, String upper) throws Exception {
        Path low = sys.resolve("class/net").resolve(lower).toRealPath();
        Path up = sys.resolve("class/net").resolve(upper).toRealPath();
        FakeSysfs.link(low.resolve("master"), up);
        FakeSysfs.link(low.resolve("upper_" + upper), up);
        FakeSysfs.link(up.resolve("lower_" + lower), low);
    }

    @Test
    void rootOnLvmOnDmCryptOnAPartitionRefusesItsController() {
        fs.blockDevice("0000:00:1f.2", "sda", "8:0", "sda1", "sda2");
        dm("dm-0", "254:0", "sda2_crypt", "sda2");
        dm("dm-1", "254:1", "vg-root", "dm-0");
        FakeSysfs.write(
                proc.resolve("self/mountinfo"),
                "27 1 254:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n"
                        + "30 27 8:1 / /boot rw,relatime shared:2 - ext4 /dev/sda1 rw\n");
        List<String> r = reasons("0000:00:1f.2");
        assertEquals(List.of("it is a storage controller with mounted filesystems: dm-1 on /, sda1 on /boot"), r);
        assertEquals(List.of(), reasons("0000:00:1d.0"), "the other controller holds nothing");
    }

    @Test
    void swapOnAnLvmVolumeNamedTheLvmWayIsFound() {
        fs.blockDevice("0000:00:1f.2", "sda", "8:0", "sda1");
        dm("dm-0", "254:0", "my--vg-swap", "sda1");
        FakeSysfs.write(
                proc.resolve("swaps"),
                "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                        + "/dev/my-vg/swap                         partition\t1998844\t\t0\t\t-2\n");
        assertEquals(
                List.of("it is a storage controller with mounted filesystems: dm-0 (swap)"), reasons("0000:00:1f.2"));
    }

    @Test
    void aBtrfsRootIsMatchedThroughItsSourceNotTheAnonymousDeviceNumber() {
        fs.blockDevice("0000:00:1d.0", "nvme0n1", "259:0", "nvme0n1p1", "nvme0n1p2");
        // Fedora's btrfs root: mountinfo shows the anonymous 0:N, the source names the partition.
        FakeSysfs.write(
                proc.resolve("self/mountinfo"),
                "35 1 0:30 /root / rw,relatime shared:1 - btrfs /dev/nvme0n1p2"
                        + " rw,seclabel,compress=zstd:1,ssd,space_cache=v2,subvolid=257,subvol=/root\n");
        assertEquals(
                List.of("it is a storage controller with mounted filesystems: nvme0n1p2 on / (btrfs)"),
                reasons("0000:00:1d.0"));
    }

    @Test
    void aBtrfsFilesystemSpanningTwoControllersRefusesBoth() {
        fs.blockDevice("0000:00:1f.2", "sda", "8:0", "sda1");
        fs.blockDevice("0000:00:1d.0", "nvme0n1", "259:0", "nvme0n1p1");
        // /sys/fs/btrfs/UUID/devices/NAME: one link per member device (Documentation/ABI/testing/sysfs-fs-btrfs).
        Path devices = sys.resolve("fs/btrfs/7e0e5bd1-0f8e-4a4c-9d3b-6c1ab3b0a1f2/devices");
        FakeSysfs.link(devices.resolve("sda1"), sys.resolve("class/block/sda1"));
        FakeSysfs.link(devices.resolve("nvme0n1p1"), sys.resolve("class/block/nvme0n1p1"));
        FakeSysfs.write(
                proc.resolve("self/mountinfo"),
                "40 1 0:35 / /srv rw,relatime - btrfs /dev/nvme0n1p1 rw,space_cache=v2\n");
        assertEquals(
                List.of("it is a storage controller with mounted filesystems: sda1 on /srv (btrfs)"),
                reasons("0000:00:1f.2"));
        assertEquals(
                List.of("it is a storage controller with mounted filesystems: nvme0n1p1 on /srv (btrfs)"),
                reasons("0000:00:1d.0"));
    }

    @Test
    void btrfsWhoseSourceNamesNoKnownDeviceAndZfsCannotBeToldApart() {
        fs.blockDevice("0000:00:1f.2", "sda", "8:0", "sda1");
        FakeSysfs.write(
                proc.resolve("self/mountinfo"),
                "27 1 0:23 / / rw,relatime shared:1 - zfs rpool/ROOT/debian rw,xattr,posixacl\n"
                        + "41 27 0:36 / /data rw,relatime - btrfs /dev/disk/by-uuid/7e0e5bd1 rw\n");
        List<String> r = reasons("0000:00:1f.2");
        assertEquals(
                List.of(
                        "cannot tell which devices back the root filesystem (zfs), so its disks (sda, sda1) may hold it",
                        "cannot tell which devices back the filesystem on /data (btrfs on /dev/disk/by-uuid/7e0e5bd1), so its disks"
                                + " (sda, sda1) may hold it"),
                r);
        assertEquals(List.of(), reasons("0000:01:00.0"), "a GPU has no disks: ZFS does not concern it");
    }

    @Test
    void overlayAndTmpfsNameNoDisk() {
        fs.blockDevice("0000:00:1f.2", "sda", "8:0", "sda1");
        FakeSysfs.write(
                proc.resolve("self/mountinfo"),
                "27 1 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
                        + "28 27 0:41 / /tmp rw - tmpfs tmpfs rw\n");
        assertEquals(List.of(), reasons("0000:00:1f.2"));
    }

    @Test
    void aNicThatIsAPortOfTheBridgeWithTheDefaultRouteIsRefused() throws Exception {
        fs.netInterface("0000:00:19.0", "eno1");
        Path br = virtualNet("br0");
        // net/bridge/br_sysfs_if.c: /sys/class/net/br0/brif/PORT links to the port's brport folder.
        FakeSysfs.link(br.resolve("brif/eno1"), sys.resolve("class/net/eno1"));
        enslave("eno1", "br0");
        FakeSysfs.write(
                proc.resolve("net/route"),
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                        + "br0\t00000000\t0101A8C0\t0003\t0\t0\t425\t00000000\t0\t0\t0\n");
        addresses = Map.of("br0", List.of("192.168.1.20"));
        assertEquals(
                List.of(
                        "it is a network controller whose interface eno1 is part of br0, which carries the default route",
                        "it is a network controller whose interface eno1 is part of br0, which has address 192.168.1.20"),
                reasons("0000:00:19.0"));
    }

    @Test
    void aBondSlaveUnderABridgeIsFoundThroughBondingSlavesAlone() throws Exception {
        fs.netInterface("0000:00:19.0", "eno1");
        Path bond = virtualNet("bond0");
        virtualNet("br0");
        // Documentation/networking/bonding.rst: /sys/class/net/bond0/bonding/slaves lists the slaves by name.
        FakeSysfs.write(bond.resolve("bonding/slaves"), "eno1 eno2\n");
        enslave("bond0", "br0");
        FakeSysfs.write(
                proc.resolve("net/ipv6_route"),
                "00000000000000000000000000000000 00 00000000000000000000000000000000"
                        + " 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     br0\n");
        assertEquals(
                List.of(
                        "it is a network controller whose interface eno1 is part of br0, which carries the default route"),
                reasons("0000:00:19.0"));
    }

    @Test
    void aNicWhoseBridgeCarriesNothingIsFree() throws Exception {
        fs.netInterface("0000:00:19.0", "eno1");
        virtualNet("br0");
        enslave("eno1", "br0");
        virtualNet("virbr0");
        FakeSysfs.write(
                proc.resolve("net/route"),
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                        + "virbr0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
        Files.delete(proc.resolve("net/ipv6_route")); // booted with ipv6.disable=1
        assertEquals(List.of(), reasons("0000:00:19.0"));
    }

    @Test
    void unreadableProcFilesRefuseInsteadOfPassing() throws Exception {
        fs.blockDevice("0000:00:1f.2", "sda", "8:0");
        fs.netInterface("0000:00:19.0", "eno1");
        Files.delete(proc.resolve("self/mountinfo"));
        Files.delete(proc.resolve("swaps"));
        Files.delete(proc.resolve("net/route"));
        assertEquals(
                List.of(
                        "cannot read " + proc.resolve("self/mountinfo") + ": cannot tell whether its disks (sda) hold"
                                + " mounted filesystems",
                        "cannot read " + proc.resolve("swaps") + ": cannot tell whether its disks hold"
                                + " active swap"),
                reasons("0000:00:1f.2"));
        assertEquals(
                List.of("cannot read " + proc.resolve("net/route") + ": cannot tell whether its interface eno1 carries"
                        + " the default route"),
                reasons("0000:00:19.0"));
        assertTrue(reasons("0000:01:00.0").isEmpty(), "a device without disks or interfaces needs none of them");
    }
}
