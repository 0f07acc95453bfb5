package dev.vmlaunch.vmm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.drivers.VmmDrivers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmmCommandTest {
    private static final Path EXAMPLES = Path.of("examples").toAbsolutePath();
    private static final RunLayout LAYOUT = new RunLayout(Path.of("/run/vmlaunch/g"), RunLayout.ConsoleMode.STDIO);

    @TempDir
    Path dir;

    static GuestSpec example(String name) {
        Path f = EXAMPLES.resolve(name);
        return GuestSpecLoader.fromJson(JsonReader.read(f, name), f, name, Optional.of(Arch.X86_64), VmmDrivers::rules)
                .spec();
    }

    GuestSpec spec(String json) throws IOException {
        Path f = dir.resolve("g.json");
        Files.writeString(f, json);
        return GuestSpecLoader.fromJson(
                        JsonReader.read(f, "g.json"), f, "g.json", Optional.of(Arch.X86_64), VmmDrivers::rules)
                .spec();
    }

    /** Splits a command as the guide's shell would (double quotes only, which is all Arm's guide uses). */
    static List<String> shellWords(String cmd) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < cmd.length(); i++) {
            char c = cmd.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    words.add(cur.toString());
                }
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (any) {
            words.add(cur.toString());
        }
        return words;
    }

    /** Option → value pairs (and bare flags), order-free, as kvmtool's parser sees them. */
    static List<String> options(List<String> argv) {
        List<String> out = new ArrayList<>();
        for (int i = 2; i < argv.size(); i++) {
            String a = argv.get(i);
            boolean flag = a.equals("--disable-mte");
            out.add(flag ? a : a + " " + argv.get(++i));
        }
        out.sort(null);
        return out;
    }

    @Test
    void lkvmReproducesTheSeedsSmmuteCommand() {
        String seed =
                "/mnt/kvmtool/lkvm run -k /mnt/Image -i /mnt/ramdisk-buildroot.img --irqchip gicv3-its -c 2 -m 512 "
                        + "--9p /mnt,hostshare --console serial --params \"console=ttyS0 --earlycon=uart,mmio,0x1000000 "
                        + "root=/dev/vda\" --vfio-pci 0000:08:00.1 --disable-mte --name virt1";
        List<String> expected = shellWords(seed);
        List<String> argv = DriverArgv.build(example("smmute-virt1.json"), LAYOUT);
        assertEquals(expected.subList(0, 2), argv.subList(0, 2));
        assertEquals(options(expected), options(argv));
    }

    @Test
    void lkvmMapsNetworkDisksAndMteOnlyWhenAsked() throws IOException {
        List<String> argv = DriverArgv.build(
                spec("{\"name\":\"g\",\"vmm\":\"lkvm\",\"arch\":\"aarch64\",\"network\":\"none\","
                        + "\"disks\":[{\"path\":\"/d.img\",\"readonly\":true}],\"mte\":true}"),
                LAYOUT);
        assertTrue(String.join(" ", argv).contains("--disk /d.img,ro"), argv.toString());
        assertTrue(String.join(" ", argv).contains("--network mode=none"), argv.toString());
        assertFalse(argv.contains("--disable-mte"));
    }

    @Test
    void x86GpuGuestHidesTheHypervisorAndKeepsFunctionsTogether() {
        List<String> argv = DriverArgv.build(example("gpu-passthrough-x86_64.json"), LAYOUT);
        assertEquals("qemu-system-x86_64", argv.get(0));
        assertPair(argv, "-cpu", "host,kvm=off,hv-vendor-id=randomid");
        assertPair(argv, "-vga", "none");
        assertTrue(argv.contains("-nographic"));
        assertPair(argv, "-device", "pcie-root-port,id=vml-rp0,chassis=1");
        assertPair(
                argv,
                "-device",
                "vfio-pci,host=0000:01:00.0,id=vml-hostdev0,bus=vml-rp0,addr=00.0,multifunction=on,x-vga=on");
        assertPair(argv, "-device", "vfio-pci,host=0000:01:00.1,id=vml-hostdev1,bus=vml-rp0,addr=00.1");
        assertPair(argv, "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd");
    }

    @Test
    void viommuGuestGetsSplitIrqchipAndTheIommuBeforeAnyAssignedDevice() {
        List<String> argv = DriverArgv.build(example("aic100-viommu.json"), LAYOUT);
        assertPair(argv, "-machine", "q35,kernel-irqchip=split");
        int iommu = argv.indexOf("intel-iommu,intremap=on,caching-mode=on");
        int vfio = indexOfPrefix(argv, "vfio-pci,");
        int firstPciDevice = indexOfPrefix(argv, "virtio-");
        assertTrue(iommu > 0 && iommu < vfio && iommu < firstPciDevice, argv.toString());
    }

    @Test
    void armItsGuestUsesVirtGicv3ItsSmmuAndAnExplicitCpu() {
        List<String> argv = DriverArgv.build(example("arm-its-e1000e.json"), LAYOUT);
        assertEquals("qemu-system-aarch64", argv.get(0));
        assertPair(argv, "-machine", "virt,gic-version=3,its=on,iommu=smmuv3");
        assertPair(argv, "-cpu", "max");
        assertPair(argv, "-append", "console=ttyAMA0");
        assertPair(argv, "-netdev", "user,id=vml-nd0");
        assertPair(argv, "-device", "e1000e,id=nic0,netdev=vml-nd0");
    }

    @Test
    void kvmAccelUsesTheHostCpu() throws IOException {
        assertPair(
                DriverArgv.build(
                        spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"arch\":\"aarch64\",\"accel\":\"kvm\"}"), LAYOUT),
                "-cpu",
                "host");
    }

    @Test
    void everyQemuGuestHasTwoQmpSocketsInItsRunDirectory() throws IOException {
        List<String> argv = DriverArgv.build(spec("{\"name\":\"g\",\"vmm\":\"qemu\"}"), LAYOUT);
        assertPair(argv, "-chardev", "socket,id=vml-qmp,path=/run/vmlaunch/g/qmp.sock,server=on,wait=off");
        assertPair(argv, "-chardev", "socket,id=vml-qmp-cli,path=/run/vmlaunch/g/qmp-cli.sock,server=on,wait=off");
        assertPair(argv, "-mon", "chardev=vml-qmp,mode=control");
        assertPair(argv, "-mon", "chardev=vml-qmp-cli,mode=control");
        assertTrue(argv.contains("-nodefaults"));
    }

    @Test
    void detachedConsoleGoesToASocketAndIsLogged() throws IOException {
        List<String> argv = DriverArgv.build(
                spec("{\"name\":\"g\",\"vmm\":\"qemu\"}"),
                new RunLayout(Path.of("/s/g"), RunLayout.ConsoleMode.SOCKET));
        assertPair(
                argv,
                "-chardev",
                "socket,id=vml-console,path=/s/g/console.sock,server=on,wait=off,logfile=/s/g/console.log,logappend=on");
        assertPair(argv, "-serial", "chardev:vml-console");
    }

    @Test
    void aWritableShareIsMappedByDefaultAReadOnlyOneIsNotAndAnExplicitModelWins() throws IOException {
        List<String> argv = DriverArgv.build(
                spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"shares\":["
                        + "{\"path\":\"/w\",\"tag\":\"w\"},{\"path\":\"/r\",\"tag\":\"r\",\"readonly\":true},"
                        + "{\"path\":\"/f\",\"tag\":\"f\",\"security\":\"mapped-file\"},"
                        + "{\"path\":\"/p\",\"tag\":\"p\",\"security\":\"passthrough\",\"readonly\":true}]}"),
                LAYOUT);
        assertPair(argv, "-fsdev", "local,id=vml-fs0,path=/w,security_model=mapped-xattr,multidevs=remap");
        assertPair(argv, "-fsdev", "local,id=vml-fs1,path=/r,security_model=none,readonly=on,multidevs=remap");
        assertPair(argv, "-fsdev", "local,id=vml-fs2,path=/f,security_model=mapped-file,multidevs=remap");
        assertPair(argv, "-fsdev", "local,id=vml-fs3,path=/p,security_model=passthrough,readonly=on,multidevs=remap");
    }

    @Test
    void commasInPathsAreDoubledForQemusOptionParser() throws IOException {
        List<String> argv = DriverArgv.build(
                spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"shares\":[{\"path\":\"/data/a,b\",\"tag\":\"t\"}],"
                        + "\"disks\":[{\"path\":\"/img/x,y.qcow2\"}]}"),
                LAYOUT);
        assertPair(argv, "-fsdev", "local,id=vml-fs0,path=/data/a,,b,security_model=mapped-xattr,multidevs=remap");
        assertPair(argv, "-drive", "file=/img/x,,y.qcow2,if=none,id=vml-disk0,format=qcow2");
    }

    @Test
    void userConsoleArgumentIsKeptAndOursIsAddedOtherwise() throws IOException {
        assertPair(
                DriverArgv.build(
                        spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"kernel\":\"/k\",\"cmdline\":\"console=hvc0 quiet\"}"),
                        LAYOUT),
                "-append",
                "console=hvc0 quiet");
        assertPair(
                DriverArgv.build(
                        spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"kernel\":\"/k\",\"cmdline\":\"quiet\"}"), LAYOUT),
                "-append",
                "console=ttyS0 quiet");
        assertPair(
                DriverArgv.build(
                        spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"kernel\":\"/k\",\"console\":\"virtio\"}"), LAYOUT),
                "-device",
                "virtconsole,chardev=vml-console");
    }

    @Test
    void pcMachinePutsAssignedDevicesOnFixedSlots() throws IOException {
        List<String> argv = DriverArgv.build(
                spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"machine\":\"pc\","
                        + "\"passthrough\":[{\"host\":\"03:00.0\"},{\"host\":\"04:00.0\"}]}"),
                LAYOUT);
        assertPair(argv, "-device", "vfio-pci,host=0000:03:00.0,id=vml-hostdev0,addr=10.0");
        assertPair(argv, "-device", "vfio-pci,host=0000:04:00.0,id=vml-hostdev1,addr=11.0");
        assertFalse(String.join(" ", argv).contains("pcie-root-port"));
    }

    @Test
    void hotplugSlotsAreEmptyRootPortsNumberedAfterThePassthroughPorts() throws IOException {
        List<String> argv = DriverArgv.build(
                spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"hotplugSlots\":2,"
                        + "\"passthrough\":[{\"host\":\"03:00.0\"}]}"),
                LAYOUT);
        assertPair(argv, "-device", "pcie-root-port,id=vml-rp0,chassis=1");
        assertPair(argv, "-device", "pcie-root-port,id=vml-hp0,chassis=2");
        assertPair(argv, "-device", "pcie-root-port,id=vml-hp1,chassis=3");
        assertFalse(argv.contains("pcie-root-port,id=vml-hp2,chassis=4"), argv.toString());
    }

    @Test
    void armVirtGuestGetsItsHotplugSlotsToo() throws IOException {
        List<String> argv = DriverArgv.build(
                spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"arch\":\"aarch64\"," + "\"hotplugSlots\":1}"), LAYOUT);
        assertPair(argv, "-device", "pcie-root-port,id=vml-hp0,chassis=1");
    }

    @Test
    void extraArgsComeLastAndVerbatim() throws IOException {
        List<String> argv = DriverArgv.build(
                spec("{\"name\":\"g\",\"vmm\":\"qemu\",\"extraArgs\":[\"-s\",\"-d\",\"guest_errors\"]}"), LAYOUT);
        assertEquals(List.of("-s", "-d", "guest_errors"), argv.subList(argv.size() - 3, argv.size()));
    }

    @Test
    void shellQuotingRoundTripsThroughAPosixShell() throws Exception {
        List<String> argv = List.of("printf", "%s|", "a b", "it's", "$HOME", "x,y=z", "", "back\\slash");
        Process p = new ProcessBuilder("sh", "-c", ShellQuote.oneLine(argv)).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertEquals(0, p.waitFor());
        assertEquals("a b|it's|$HOME|x,y=z||back\\slash|", out);
    }

    private static int indexOfPrefix(List<String> argv, String prefix) {
        for (int i = 0; i < argv.size(); i++) {
            if (argv.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private static void assertPair(List<String> argv, String opt, String value) {
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals(opt) && argv.get(i + 1).equals(value)) {
                return;
            }
        }
        throw new AssertionError("expected " + opt + " " + value + " in " + argv);
    }
}
