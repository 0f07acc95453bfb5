package dev.vmlaunch.host;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code vmlaunch host check}: whether this host can pass devices to guests at all, each check with the remedy the
 * passthrough guides give (firmware setting, GRUB line, modprobe.d, initramfs).
 */
public final class HostDoctor {
    static final String GRUB = "in /etc/default/grub, then 'sudo update-grub' (or 'sudo grub-mkconfig -o "
            + "/boot/grub/grub.cfg') and reboot";

    private final HostRoots roots;
    private final String arch;
    private final Sysfs sysfs;
    private final KernelCommandLine cmdline;
    private final String cpuinfo;

    /** {@code arch}: "x86_64" or "aarch64" (the host's, as {@code uname -m} says). */
    public HostDoctor(HostRoots roots, String arch) {
        this.roots = roots;
        this.arch = arch;
        this.sysfs = new Sysfs(roots.sysfs());
        this.cmdline = KernelCommandLine.read(roots.proc());
        this.cpuinfo = read(roots.proc().resolve("cpuinfo")).toLowerCase(Locale.ROOT);
    }

    /** The host's architecture in {@code uname -m} spelling. */
    public static String hostArch() {
        String a = System.getProperty("os.arch", "");
        return a.equals("amd64") ? "x86_64" : a.equals("arm64") ? "aarch64" : a;
    }

    public List<DoctorCheck> run() {
        List<DoctorCheck> out = new ArrayList<>();
        boolean arm = arch.equals("aarch64");
        DoctorCheck kvm = kvm(arm);
        out.add(cpu(arm, kvm.status() == DoctorCheck.Status.PASS));
        out.add(kvm);
        DoctorCheck iommu = iommu(arm);
        out.add(iommu);
        if (arm) {
            out.add(smmuv3());
            out.add(gicIts());
        } else {
            out.add(interruptRemapping(iommu.status() != DoctorCheck.Status.FAIL));
        }
        out.add(unsafeInterrupts());
        out.add(vfioModules());
        out.add(memlock());
        out.add(hugepages());
        out.addAll(vfioDevices());
        return out;
    }

    /** The limits VFIO pins guest memory against; a guest's own budget is compared by 'vmlaunch check'. */
    private DoctorCheck memlock() {
        MemlockBudget.Limits l = MemlockBudget.Limits.of(roots.proc());
        String soft =
                l.soft().isEmpty() ? "unlimited" : HostPreflight.human(l.soft().getAsLong());
        String hard =
                l.hard().isEmpty() ? "unlimited" : HostPreflight.human(l.hard().getAsLong());
        String entries = Sysfs.attribute(roots.sysfs().resolve("module/vfio_iommu_type1/parameters"), "dma_entry_limit")
                .map(v -> "; vfio_iommu_type1.dma_entry_limit=" + v)
                .orElse("");
        return DoctorCheck.pass(
                "memlock",
                "RLIMIT_MEMLOCK soft " + soft + ", hard " + hard + " (" + l.evidence() + ")"
                        + entries
                        + "; root is not limited, and the supervisor raises a VMM's soft limit to its guest's budget "
                        + "with prlimit ('vmlaunch check GUEST' compares)");
    }

    /** The before-launch verdicts of every device already on vfio-pci: what a guest would get. */
    private List<DoctorCheck> vfioDevices() {
        List<DoctorCheck> out = new ArrayList<>();
        DeviceDiagnosis diagnosis = new DeviceDiagnosis(roots, arch.equals("aarch64"));
        for (PciDevice d : sysfs.devices()) {
            if (Viability.VFIO_PCI.equals(d.driver())) {
                diagnosis.device(d.address(), Optional.empty()).forEach(v -> out.add(v.doctorCheck()));
            }
        }
        return out;
    }

    public static boolean ready(List<DoctorCheck> checks) {
        return checks.stream().noneMatch(c -> c.status() == DoctorCheck.Status.FAIL);
    }

    private boolean intel() {
        return cpuinfo.contains("genuineintel");
    }

    private boolean amd() {
        return cpuinfo.contains("authenticamd") || cpuinfo.contains("hygongenuine");
    }

    private boolean inVm() {
        return cpuFlags().contains(" hypervisor ");
    }

    private String cpuFlags() {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                return " " + line.substring(line.indexOf(':') + 1).trim() + " ";
            }
        }
        return " ";
    }

    private DoctorCheck cpu(boolean arm, boolean kvmUsable) {
        String id = "cpu-virtualization";
        if (arm) {
            return kvmUsable
                    ? DoctorCheck.pass(id, "the kernel runs at EL2 (KVM is up)")
                    : DoctorCheck.fail(
                            id,
                            "KVM is not up: the kernel may not have started at EL2",
                            "boot the kernel at EL2 (firmware setting) with KVM built in or as a module");
        }
        String flags = cpuFlags();
        if (flags.contains(" vmx ")) {
            return DoctorCheck.pass(id, "Intel VT-x (vmx)");
        }
        if (flags.contains(" svm ")) {
            return DoctorCheck.pass(id, "AMD-V (svm)");
        }
        String remedy = "enable Intel VT-x (Advanced / CPU Configuration > Intel Virtualization Technology) or "
                + "AMD SVM in the BIOS/UEFI"
                + (inVm() ? "; in a VM, enable nested virtualization on the outer host" : "");
        if (kvmUsable) {
            return DoctorCheck.warn(
                    id,
                    "the CPU flags show neither vmx nor svm, yet /dev/kvm works "
                            + "(a paravirtual KVM such as PVM? it may not boot every guest kernel)",
                    remedy);
        }
        return DoctorCheck.fail(id, "the CPU flags show neither vmx (Intel VT-x) nor svm (AMD-V)", remedy);
    }

    private DoctorCheck kvm(boolean arm) {
        Path kvm = roots.dev().resolve("kvm");
        try {
            Files.newByteChannel(kvm, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    .close();
            return DoctorCheck.pass("kvm", kvm + " opens read-write");
        } catch (NoSuchFileException e) {
            return DoctorCheck.fail(
                    "kvm",
                    "no " + kvm,
                    arm
                            ? "load kvm ('sudo modprobe kvm') and boot at EL2"
                            : "'sudo modprobe " + (amd() ? "kvm_amd" : "kvm_intel")
                                    + "'; if it fails, virtualization is off in "
                                    + "the BIOS/UEFI (see cpu-virtualization)");
        } catch (AccessDeniedException e) {
            return DoctorCheck.fail(
                    "kvm",
                    "this user cannot open " + kvm,
                    "'sudo usermod -aG kvm $USER' and log in again, or run as root");
        } catch (IOException | UnsupportedOperationException e) {
            return DoctorCheck.fail(
                    "kvm", "cannot open " + kvm + ": " + e.getMessage(), "check the kernel log (dmesg | grep -i kvm)");
        }
    }

    private DoctorCheck iommu(boolean arm) {
        List<String> units = Sysfs.list(roots.sysfs().resolve("class/iommu"));
        units.sort(null);
        int groups = sysfs.iommuGroupIds().size();
        if (!units.isEmpty() || groups > 0) {
            String detail = (units.isEmpty() ? "" : String.join(", ", units) + "; ") + groups + " IOMMU group"
                    + (groups == 1 ? "" : "s");
            if (!arm && !cmdline.hasOption("iommu", "pt")) {
                detail += " (iommu=pt is not set: host devices go through IOMMU translation too)";
            }
            return DoctorCheck.pass("iommu", detail);
        }
        if (arm) {
            return DoctorCheck.fail(
                    "iommu",
                    "no IOMMU is active (" + roots.sysfs().resolve("class/iommu") + " is empty)",
                    "the SMMU must be described by the firmware (device tree or ACPI IORT) and the arm-smmu-v3 driver "
                            + "built; for a QEMU host: -M virt,iommu=smmuv3");
        }
        String flag = amd() ? "amd_iommu=on" : "intel_iommu=on";
        String off = amd() ? "amd_iommu=off" : "intel_iommu=off";
        StringBuilder remedy = new StringBuilder();
        if (cmdline.hasOption(amd() ? "amd_iommu" : "intel_iommu", "off") || cmdline.hasOption("iommu", "off")) {
            remedy.append("remove ").append(off).append(" / iommu=off from the kernel command line; ");
        }
        if (!cmdline.value("intel_iommu").isPresent()
                && !cmdline.value("amd_iommu").isPresent()) {
            remedy.append("add ")
                    .append(flag)
                    .append(" iommu=pt to GRUB_CMDLINE_LINUX_DEFAULT ")
                    .append(GRUB)
                    .append("; ");
        }
        remedy.append("enable ")
                .append(amd() ? "AMD-Vi (IOMMU)" : intel() ? "VT-d" : "VT-d / AMD-Vi")
                .append(" in the BIOS/UEFI")
                .append(
                        amd()
                                ? " (e.g. Advanced / AMD CBS > NBIO > IOMMU = Enabled)"
                                : " (e.g. Advanced / System Agent Configuration > VT-d = Enabled)");
        if (inVm()) {
            remedy.append("; in a VM the hypervisor must provide a vIOMMU (QEMU: -M q35,kernel-irqchip=split "
                    + "-device intel-iommu,intremap=on,caching-mode=on)");
        }
        return DoctorCheck.fail(
                "iommu",
                "no IOMMU is active (" + roots.sysfs().resolve("class/iommu") + " is empty, no IOMMU groups)",
                remedy.toString());
    }

    private DoctorCheck interruptRemapping(boolean iommuUp) {
        String id = "interrupt-remapping";
        String interrupts = read(roots.proc().resolve("interrupts"));
        if (interrupts.contains(" IR-")) {
            return DoctorCheck.pass(id, "interrupts go through remapping (IR- chips in /proc/interrupts)");
        }
        if (!iommuUp) {
            return DoctorCheck.fail(id, "no IOMMU, so no interrupt remapping", "see the iommu check");
        }
        if (cmdline.has("nointremap")
                || cmdline.value("intremap").map("off"::equals).orElse(false)) {
            return DoctorCheck.fail(
                    id,
                    "interrupt remapping is switched off on the kernel command line",
                    "remove intremap=off / nointremap from GRUB_CMDLINE_LINUX_DEFAULT " + GRUB);
        }
        String remedy = "interrupt remapping comes with VT-d / AMD-Vi: enable it in the BIOS/UEFI (an x2APIC opt-out "
                + "there can disable it); VFIO refuses devices without it unless vfio_iommu_type1 allow_unsafe_interrupts=1"
                + " is set, which lets a device forge MSIs";
        if (intelEcapSaysIrSupported()) {
            return DoctorCheck.warn(
                    id,
                    "the IOMMU supports interrupt remapping but no remapped interrupts are in /proc/interrupts",
                    remedy);
        }
        return DoctorCheck.fail(id, "no remapped interrupts (no IR- chips in /proc/interrupts)", remedy);
    }

    // Intel: bit 3 (IR) of ecap; AMD: every AMD-Vi unit (amd-iommu/features) remaps interrupts.
    private boolean intelEcapSaysIrSupported() {
        return InterruptIsolation.assess(roots, false).hardwareCan();
    }

    private DoctorCheck smmuv3() {
        List<String> smmus = new ArrayList<>();
        for (String u : Sysfs.list(roots.sysfs().resolve("class/iommu"))) {
            if (u.startsWith("smmu3.")) {
                smmus.add(u);
            }
        }
        for (String d : Sysfs.list(roots.sysfs().resolve("bus/platform/drivers/arm-smmu-v3"))) {
            if (!List.of("bind", "unbind", "uevent", "module").contains(d) && !smmus.contains(d)) {
                smmus.add(d);
            }
        }
        smmus.sort(null);
        return smmus.isEmpty()
                ? DoctorCheck.fail(
                        "smmuv3",
                        "no SMMUv3 is bound (no smmu3.* IOMMU, no arm-smmu-v3 device)",
                        "enable the SMMU in the firmware and the kernel (CONFIG_ARM_SMMU_V3); for a QEMU host: "
                                + "-M virt,iommu=smmuv3")
                : DoctorCheck.pass("smmuv3", String.join(", ", smmus));
    }

    private DoctorCheck gicIts() {
        String id = "gic-its";
        if (read(roots.proc().resolve("interrupts")).contains("ITS-MSI")) {
            return DoctorCheck.pass(id, "ITS-MSI interrupts in /proc/interrupts");
        }
        if (InterruptIsolation.devicetreeHasIts(roots.sysfs().resolve("firmware/devicetree/base"), 0)) {
            return DoctorCheck.pass(id, "the device tree has an arm,gic-v3-its node");
        }
        if (InterruptIsolation.madtHasIts(roots.sysfs().resolve("firmware/acpi/tables/APIC"))) {
            return DoctorCheck.pass(id, "the ACPI MADT lists a GIC ITS");
        }
        return DoctorCheck.fail(
                id,
                "no GICv3 ITS found (no ITS-MSI interrupts, no gic-v3-its in the device tree or MADT)",
                "VFIO needs MSI isolation, which the ITS gives: use a GICv3 with ITS (for QEMU: -M virt,gic-version=3,its=on;"
                        + " for lkvm: --irqchip gicv3-its)");
    }

    private DoctorCheck unsafeInterrupts() {
        String id = "unsafe-interrupts";
        Path p = roots.sysfs().resolve("module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
        Optional<String> v = Sysfs.attribute(p.getParent(), "allow_unsafe_interrupts");
        if (v.isEmpty()) {
            return DoctorCheck.pass(id, "vfio_iommu_type1 is not loaded (allow_unsafe_interrupts not set)");
        }
        if (v.get().equals("Y") || v.get().equals("1")) {
            return DoctorCheck.warn(
                    id,
                    "vfio_iommu_type1 allow_unsafe_interrupts=Y: a passed-through device can forge "
                            + "MSIs and attack the host",
                    "remove 'options vfio_iommu_type1 allow_unsafe_interrupts=1' from "
                            + "/etc/modprobe.d/ and reboot, once interrupt remapping works");
        }
        return DoctorCheck.pass(id, "allow_unsafe_interrupts=N");
    }

    private DoctorCheck vfioModules() {
        String modules = read(roots.proc().resolve("modules"));
        List<String> missing = new ArrayList<>();
        for (String m : List.of("vfio", "vfio_iommu_type1", "vfio_pci")) {
            boolean loaded = ("\n" + modules).contains("\n" + m + " ")
                    || Files.isDirectory(roots.sysfs().resolve("module").resolve(m));
            if (!loaded) {
                missing.add(m);
            }
        }
        boolean container = Files.exists(roots.dev().resolve("vfio/vfio"));
        if (missing.isEmpty()) {
            return DoctorCheck.pass(
                    "vfio-modules",
                    "vfio, vfio_iommu_type1, vfio_pci loaded"
                            + (container ? "; " + roots.dev().resolve("vfio/vfio") + " exists" : ""));
        }
        return DoctorCheck.warn(
                "vfio-modules",
                "not loaded: " + String.join(", ", missing),
                "'sudo modprobe vfio-pci' (vmlaunch bind loads it when needed); to load it at boot see "
                        + "'vmlaunch host persist BDF...' (initramfs modules, /etc/modprobe.d/vfio.conf)");
    }

    private DoctorCheck hugepages() {
        Path dir = roots.sysfs().resolve("kernel/mm/hugepages");
        List<String> sizes = Sysfs.list(dir);
        sizes.sort((a, b) -> Long.compare(sizeKb(a), sizeKb(b)));
        if (sizes.isEmpty()) {
            return DoctorCheck.pass("hugepages", "no hugepage sizes offered (optional)");
        }
        List<String> parts = new ArrayList<>();
        for (String s : sizes) {
            String total = Sysfs.attribute(dir.resolve(s), "nr_hugepages").orElse("?");
            String free = Sysfs.attribute(dir.resolve(s), "free_hugepages").orElse("?");
            parts.add(human(sizeKb(s)) + ": " + total + " reserved, " + free + " free");
        }
        return DoctorCheck.pass("hugepages", String.join("; ", parts) + " (optional)");
    }

    private static long sizeKb(String dirName) {
        try {
            return Long.parseLong(dirName.replace("hugepages-", "").replace("kB", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String human(long kb) {
        return kb % (1024 * 1024) == 0
                ? kb / (1024 * 1024) + " GiB"
                : kb % 1024 == 0 ? kb / 1024 + " MiB" : kb + " KiB";
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
