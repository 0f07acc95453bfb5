package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.GuestSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostPreflightTest {
    @TempDir
    Path tmp;

    private HostRoots roots(String memlockSoft) throws Exception {
        Path proc = tmp.resolve("proc");
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(
                proc.resolve("self/limits"),
                "Limit                     Soft Limit           Hard Limit           Units     \n"
                        + "Max locked memory         " + memlockSoft + "              " + memlockSoft
                        + "              bytes     \n");
        Path dev = Files.createDirectories(tmp.resolve("dev"));
        Files.createDirectories(dev.resolve("vfio"));
        Files.writeString(dev.resolve("vfio/vfio"), "");
        return new HostRoots(tmp.resolve("sys"), dev, proc);
    }

    @Test
    void memlockNeedsRamPlusOneGibForANonRootUser() throws Exception {
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[{\"host\": \"01:00.0\"}]");
        assertEquals((4L << 30) + (1L << 30), HostPreflight.requiredMemlockBytes(spec));
        List<Problem> ps = new HostPreflight(roots("8388608"), false).check(spec, Profiles.of(spec));
        assertEquals(1, ps.size());
        assertEquals(
                "the locked-memory limit is 8 MiB but VFIO pins the guest's RAM: 5 GiB needed (4096 MiB + 1 GiB); "
                        + "read: " + tmp.resolve("proc/self/limits") + ", hard limit",
                ps.get(0).message());
        assertTrue(
                ps.get(0).remedy().contains("'<user> hard memlock 5242880'"),
                ps.get(0).remedy());
        assertEquals(
                List.of(),
                new HostPreflight(roots("8388608"), true).check(spec, Profiles.of(spec)),
                "root locks what it needs");
        assertEquals(List.of(), new HostPreflight(roots("unlimited"), false).check(spec, Profiles.of(spec)));
    }

    @Test
    void memlockIsMultipliedByTheDevicesBehindAVirtualIommu() throws Exception {
        GuestSpec spec = Guests.qemu(
                tmp.resolve("g"), "\"viommu\": \"intel\"", "[{\"host\": \"01:00.0\"}, {\"host\": \"01:00.1\"}]");
        assertEquals(2 * ((4L << 30) + (1L << 30)), HostPreflight.requiredMemlockBytes(spec));
        List<Problem> ps = new HostPreflight(roots(Long.toString(6L << 30)), false)
                .check(spec, Profiles.of(spec)).stream()
                        .filter(Problem::isError)
                        .toList();
        assertEquals(1, ps.size());
        assertTrue(
                ps.get(0).message().contains("10 GiB needed (4096 MiB + 1 GiB, x 2 devices behind a vIOMMU)"),
                ps.get(0).message());
    }

    @Test
    void aSoftLimitBelowTheBudgetIsFineWhenTheHardLimitAllowsItSinceTheSupervisorRaisesIt() throws Exception {
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[{\"host\": \"01:00.0\"}]");
        HostRoots r = roots("8388608");
        Files.writeString(
                r.proc().resolve("self/limits"),
                "Limit                     Soft Limit           Hard Limit           Units     \n"
                        + "Max locked memory         8388608              unlimited            bytes     \n");
        assertEquals(List.of(), new HostPreflight(r, false).check(spec, Profiles.of(spec)));
    }

    @Test
    void withAVirtualIommuTheBudgetAddsEachDevicesBarsAndDmaEntriesAreCounted() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:04:00.0", "navi10");
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "\"viommu\": \"intel\"", "[{\"host\": \"04:00.0\"}]");
        // 4 GiB + 1 GiB + 256 MiB + 2 MiB + 512 KiB of memory BARs (not the I/O BAR, not the ROM).
        assertEquals(
                (5L << 30) + (258L << 20) + (512L << 10),
                MemlockBudget.of(spec, new Sysfs(fs.root())).bytes());
        HostRoots r = roots("unlimited");
        Path params = tmp.resolve("sys/module/vfio_iommu_type1/parameters");
        Files.createDirectories(params);
        Files.writeString(params.resolve("dma_entry_limit"), "65535\n");
        List<Problem> ps = new HostPreflight(r, false).check(spec, Profiles.of(spec));
        assertEquals(1, ps.size(), ps.toString());
        assertTrue(
                ps.get(0)
                        .message()
                        .contains("needs 1048576 DMA mappings but vfio_iommu_type1.dma_entry_limit is 65535"),
                ps.get(0).message());
        assertTrue(ps.get(0).remedy().contains("dma_entry_limit=1048576"));
        Files.writeString(params.resolve("dma_entry_limit"), "2000000\n");
        assertEquals(List.of(), new HostPreflight(r, false).check(spec, Profiles.of(spec)));
    }

    @Test
    void noMemlockCheckWithoutPassthrough() throws Exception {
        GuestSpec spec = Guests.qemu(tmp.resolve("g"), "", "[]");
        assertEquals(List.of(), new HostPreflight(roots("65536"), false).check(spec, Profiles.of(spec)));
    }

    @Test
    void kvmAccelNeedsAUsableDevKvm() throws Exception {
        GuestSpec spec = Guests.load(
                tmp.resolve("g"), "{\"name\": \"g1\", \"vmm\": \"qemu\", \"arch\": \"x86_64\", \"accel\": \"kvm\"}");
        HostRoots r = roots("unlimited");
        List<Problem> ps = new HostPreflight(r, true).check(spec, Profiles.of(spec));
        assertEquals(1, ps.size());
        assertEquals(
                "no " + r.dev().resolve("kvm") + ": KVM is not available",
                ps.get(0).message());
        Files.writeString(r.dev().resolve("kvm"), "");
        assertEquals(List.of(), new HostPreflight(r, true).check(spec, Profiles.of(spec)));
    }

    @Test
    void withoutVfioLoadedUnmanagedDevicesCannotWork() throws Exception {
        HostRoots r = roots("unlimited");
        Files.delete(r.dev().resolve("vfio/vfio"));
        GuestSpec unmanaged = Guests.qemu(tmp.resolve("g1"), "", "[{\"host\": \"01:00.0\", \"managed\": false}]");
        List<Problem> ps = new HostPreflight(r, true).check(unmanaged, Profiles.of(unmanaged));
        assertEquals(1, ps.size());
        assertEquals(
                "no " + r.dev().resolve("vfio/vfio") + ": VFIO is not loaded",
                ps.get(0).message());
        GuestSpec lkvm = Guests.load(
                tmp.resolve("g3"),
                "{\"name\": \"g3\", \"vmm\": \"lkvm\", \"passthrough\": [{\"host\": \"01:00.0\", \"managed\": false}]}");
        assertEquals(
                "no " + r.dev().resolve("vfio/vfio")
                        + ": VFIO is not loaded (lkvm would boot the guest without its devices)",
                new HostPreflight(r, true).check(lkvm, Profiles.of(lkvm)).get(0).message());
        GuestSpec managed = Guests.qemu(tmp.resolve("g2"), "", "[{\"host\": \"01:00.0\"}]");
        assertEquals(
                List.of(),
                new HostPreflight(r, true).check(managed, Profiles.of(managed)),
                "run loads vfio-pci when it binds");
    }
}
