package dev.vmlaunch.host;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostDoctorTest {
    @TempDir
    Path tmp;

    private Path sys;
    private Path proc;
    private Path dev;

    private void host(String vendor, String flags, String cmdline) throws Exception {
        sys = tmp.resolve("sys");
        proc = tmp.resolve("proc");
        dev = tmp.resolve("dev");
        Files.createDirectories(sys.resolve("class/iommu"));
        Files.createDirectories(sys.resolve("kernel/iommu_groups"));
        Files.createDirectories(proc);
        Files.createDirectories(dev);
        Files.writeString(
                proc.resolve("cpuinfo"), "processor\t: 0\nvendor_id\t: " + vendor + "\nflags\t\t: " + flags + "\n\n");
        Files.writeString(proc.resolve("cmdline"), cmdline + "\n");
        Files.writeString(proc.resolve("interrupts"), "           CPU0\n  0:   40   IO-APIC   2-edge      timer\n");
        Files.writeString(proc.resolve("modules"), "");
    }

    private Map<String, DoctorCheck> run(String arch) {
        Map<String, DoctorCheck> m = new LinkedHashMap<>();
        for (DoctorCheck c : new HostDoctor(new HostRoots(sys, dev, proc), arch).run()) {
            m.put(c.id(), c);
        }
        return m;
    }

    private void iommuOn() throws Exception {
        Files.createDirectories(sys.resolve("class/iommu/dmar0/intel-iommu"));
        Files.writeString(sys.resolve("class/iommu/dmar0/intel-iommu/ecap"), "f010da\n");
        Files.createDirectories(sys.resolve("kernel/iommu_groups/0/devices"));
        Files.createDirectories(sys.resolve("kernel/iommu_groups/1/devices"));
    }

    @Test
    void aVmWithoutIommuLikeThisHostFailsWithTheRemediesFromTheSeeds() throws Exception {
        host("AuthenticAMD", "fpu vme sse2 hypervisor avx2", "console=ttyS0 quiet -- --init-arg");
        Files.writeString(dev.resolve("kvm"), "");
        Map<String, DoctorCheck> c = run("x86_64");
        assertEquals(
                List.of(
                        "cpu-virtualization",
                        "kvm",
                        "iommu",
                        "interrupt-remapping",
                        "unsafe-interrupts",
                        "vfio-modules",
                        "memlock",
                        "hugepages"),
                List.copyOf(c.keySet()));
        assertEquals(DoctorCheck.Status.WARN, c.get("cpu-virtualization").status(), "no svm flag but /dev/kvm works");
        assertTrue(c.get("cpu-virtualization").remedy().contains("nested virtualization"));
        assertEquals(DoctorCheck.Status.PASS, c.get("kvm").status());
        DoctorCheck iommu = c.get("iommu");
        assertEquals(DoctorCheck.Status.FAIL, iommu.status());
        assertTrue(
                iommu.remedy()
                        .contains("add amd_iommu=on iommu=pt to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub,"
                                + " then 'sudo update-grub'"),
                iommu.remedy());
        assertTrue(iommu.remedy().contains("AMD-Vi (IOMMU) in the BIOS/UEFI"), iommu.remedy());
        assertTrue(iommu.remedy().contains("intel-iommu,intremap=on,caching-mode=on"), iommu.remedy());
        assertEquals(DoctorCheck.Status.FAIL, c.get("interrupt-remapping").status());
        assertEquals(DoctorCheck.Status.WARN, c.get("vfio-modules").status());
        assertTrue(c.get("vfio-modules").detail().contains("vfio, vfio_iommu_type1, vfio_pci"));
        assertFalse(HostDoctor.ready(List.copyOf(c.values())));
    }

    @Test
    void seed003HostWithVtdIommuPtAndRemappingIsReady() throws Exception {
        host(
                "GenuineIntel",
                "fpu vmx sse2",
                "BOOT_IMAGE=/boot/vmlinuz-5.9 ro quiet intel_iommu=on iommu=pt vfio-pci.ids=10de:13c2,10de:0fbb");
        Files.writeString(dev.resolve("kvm"), "");
        iommuOn();
        Files.writeString(proc.resolve("interrupts"), "           CPU0\n 24:  0  IR-PCI-MSI 327680-edge  xhci_hcd\n");
        Files.writeString(
                proc.resolve("modules"),
                "vfio_pci 16384 0 - Live 0x0\nvfio_iommu_type1 45056 0 - Live 0x0\n"
                        + "vfio 45056 2 vfio_pci,vfio_iommu_type1, Live 0x0\n");
        Files.createDirectories(sys.resolve("module/vfio_iommu_type1/parameters"));
        Files.writeString(sys.resolve("module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"), "N\n");
        Files.createDirectories(sys.resolve("kernel/mm/hugepages/hugepages-2048kB"));
        Files.writeString(sys.resolve("kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), "512\n");
        Files.writeString(sys.resolve("kernel/mm/hugepages/hugepages-2048kB/free_hugepages"), "512\n");
        Map<String, DoctorCheck> c = run("x86_64");
        for (DoctorCheck k : c.values()) {
            assertEquals(DoctorCheck.Status.PASS, k.status(), k.toString());
        }
        assertEquals("Intel VT-x (vmx)", c.get("cpu-virtualization").detail());
        assertEquals("dmar0; 2 IOMMU groups", c.get("iommu").detail());
        assertEquals(
                "2 MiB: 512 reserved, 512 free (optional)", c.get("hugepages").detail());
        assertTrue(HostDoctor.ready(List.copyOf(c.values())));
    }

    @Test
    void iommuOnTheCommandLineButInactivePointsAtTheFirmwareOnly() throws Exception {
        host("GenuineIntel", "vmx", "ro intel_iommu=on");
        DoctorCheck iommu = run("x86_64").get("iommu");
        assertEquals(DoctorCheck.Status.FAIL, iommu.status());
        assertFalse(iommu.remedy().contains("GRUB"), iommu.remedy());
        assertTrue(iommu.remedy().contains("enable VT-d in the BIOS/UEFI"), iommu.remedy());
    }

    @Test
    void iommuPtMissingIsMentionedButPasses() throws Exception {
        host("GenuineIntel", "vmx", "ro intel_iommu=on");
        iommuOn();
        DoctorCheck iommu = run("x86_64").get("iommu");
        assertEquals(DoctorCheck.Status.PASS, iommu.status());
        assertTrue(iommu.detail().contains("iommu=pt is not set"));
    }

    @Test
    void remappingSupportedButNotSeenIsAWarningAndSwitchedOffIsAFailure() throws Exception {
        host("GenuineIntel", "vmx", "ro intel_iommu=on");
        iommuOn();
        assertEquals(
                DoctorCheck.Status.WARN,
                run("x86_64").get("interrupt-remapping").status());
        Files.writeString(proc.resolve("cmdline"), "ro intel_iommu=on intremap=off\n");
        DoctorCheck ir = run("x86_64").get("interrupt-remapping");
        assertEquals(DoctorCheck.Status.FAIL, ir.status());
        assertTrue(ir.remedy().contains("remove intremap=off"));
    }

    @Test
    void allowUnsafeInterruptsIsAWarning() throws Exception {
        host("GenuineIntel", "vmx", "ro");
        Files.createDirectories(sys.resolve("module/vfio_iommu_type1/parameters"));
        Files.writeString(sys.resolve("module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"), "Y\n");
        DoctorCheck c = run("x86_64").get("unsafe-interrupts");
        assertEquals(DoctorCheck.Status.WARN, c.status());
        assertTrue(c.detail().contains("forge MSIs"));
    }

    @Test
    void aarch64NeedsAnSmmuV3AndAGicV3Its() throws Exception {
        host("", "fp asimd", "console=ttyAMA0");
        Files.writeString(dev.resolve("kvm"), "");
        Map<String, DoctorCheck> c = run("aarch64");
        assertEquals(
                List.of(
                        "cpu-virtualization",
                        "kvm",
                        "iommu",
                        "smmuv3",
                        "gic-its",
                        "unsafe-interrupts",
                        "vfio-modules",
                        "memlock",
                        "hugepages"),
                List.copyOf(c.keySet()));
        assertEquals(DoctorCheck.Status.FAIL, c.get("smmuv3").status());
        assertEquals(DoctorCheck.Status.FAIL, c.get("gic-its").status());
        assertTrue(c.get("gic-its").remedy().contains("gic-version=3,its=on"));

        Files.createDirectories(sys.resolve("class/iommu/smmu3.0x0000000009050000"));
        Files.writeString(proc.resolve("interrupts"), " 20:  1  0  ITS-MSI   0 Edge      0000:00:00.0\n");
        c = run("aarch64");
        assertEquals(DoctorCheck.Status.PASS, c.get("smmuv3").status());
        assertEquals("smmu3.0x0000000009050000", c.get("smmuv3").detail());
        assertEquals(DoctorCheck.Status.PASS, c.get("gic-its").status());
    }

    @Test
    void theItsIsFoundInTheDeviceTreeOrTheAcpiMadtWithoutAnyMsiInUse() throws Exception {
        host("", "fp", "");
        Path node = sys.resolve("firmware/devicetree/base/intc@8000000/its@8080000");
        Files.createDirectories(node);
        Files.write(node.resolve("compatible"), "arm,gic-v3-its\0".getBytes(UTF_8));
        assertEquals(
                "the device tree has an arm,gic-v3-its node",
                run("aarch64").get("gic-its").detail());

        tmp = tmp.resolve("acpi-host");
        host("", "fp", "");
        Files.createDirectories(sys.resolve("firmware/acpi/tables"));
        byte[] madt = new byte[44 + 8 + 20];
        madt[44] = 0x0b; // GICC
        madt[45] = 8;
        madt[52] = 0x0f; // GIC ITS
        madt[53] = 20;
        Files.write(sys.resolve("firmware/acpi/tables/APIC"), madt);
        assertEquals(
                "the ACPI MADT lists a GIC ITS", run("aarch64").get("gic-its").detail());
    }

    @Test
    void devicesOnVfioPciGetTheirBeforeLaunchVerdictsAsLinesOfTheirOwn() throws Exception {
        host("GenuineIntel", "fpu vmx", "intel_iommu=on");
        iommuOn();
        FakeSysfs fs = new FakeSysfs(sys);
        DeviceSamples.install(fs, "0000:00:05.0", "qemu72-e1000e")
                .driver("vfio-pci")
                .group(5);
        DeviceSamples.iomem(proc, "qemu72-q35-host", "iomem");
        Map<String, DoctorCheck> c = run("x86_64");
        assertEquals(DoctorCheck.Status.PASS, c.get("reset 0000:00:05.0").status());
        assertTrue(
                c.get("reset 0000:00:05.0").detail().startsWith("resets with pm ["),
                c.get("reset 0000:00:05.0").detail());
        assertTrue(
                c.containsKey("bars 0000:00:05.0") && c.containsKey("boot-framebuffer 0000:00:05.0"),
                c.keySet().toString());
        assertTrue(
                c.get("memlock").detail().startsWith("RLIMIT_MEMLOCK soft "),
                c.get("memlock").detail());
    }
}
