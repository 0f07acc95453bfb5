package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.host.FakeKernel;
import dev.vmlaunch.host.FakeSysfs;
import dev.vmlaunch.host.Host;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.host.PciIds;
import dev.vmlaunch.host.SeedHosts;
import dev.vmlaunch.host.Sysfs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The host commands run in-process against fake trees, with Main's error handling. */
class HostCommandsTest {
    @TempDir
    Path tmp;

    private FakeKernel kernel;

    record Run(int code, String out, String err) {}

    private Host host(FakeSysfs fs) throws Exception {
        kernel = new FakeKernel(fs);
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("self/mountinfo"), "");
        Files.writeString(proc.resolve("cpuinfo"), "vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n");
        Files.writeString(proc.resolve("cmdline"), "ro quiet\n");
        return new Host(
                new HostRoots(fs.root(), tmp.resolve("dev"), proc),
                tmp.resolve("state"),
                true,
                "x86_64",
                kernel,
                kernel,
                i -> List.of(),
                Optional.empty(),
                PciIds.none());
    }

    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter ew = new PrintWriter(err, true);
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(ew);
        cl.setParameterExceptionHandler((ex, a) -> {
            ew.println(ex.getMessage());
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, pr) -> Main.report(ex, false, ew));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Run throughMain(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void groupsJsonHasTheDocumentedShape() throws Exception {
        Host h = host(SeedHosts.seed004(tmp.resolve("sys")));
        Run r = run(new GroupsCommand(h), "--json", "--device", "0000:02:00.0");
        assertEquals(3, r.code(), "the device's group is not viable");
        assertEquals(
                "{\"groups\":[{\"id\":1,\"viable\":false,\"devices\":["
                        + "{\"address\":\"0000:00:01.0\",\"vendor\":\"8086\",\"device\":\"1901\",\"class\":\"0604\",\"driver\":\"pcieport\",\"bridge\":true,\"blocking\":false},"
                        + "{\"address\":\"0000:00:01.1\",\"vendor\":\"8086\",\"device\":\"1905\",\"class\":\"0604\",\"driver\":\"pcieport\",\"bridge\":true,\"blocking\":false},"
                        + "{\"address\":\"0000:01:00.0\",\"vendor\":\"10ee\",\"device\":\"5000\",\"class\":\"1200\",\"driver\":\"vfio-pci\",\"bridge\":false,\"blocking\":false},"
                        + "{\"address\":\"0000:01:00.1\",\"vendor\":\"10ee\",\"device\":\"5001\",\"class\":\"1200\",\"driver\":\"vfio-pci\",\"bridge\":false,\"blocking\":false},"
                        + "{\"address\":\"0000:02:00.0\",\"vendor\":\"10de\",\"device\":\"2489\",\"class\":\"0300\",\"driver\":\"nvidia\",\"bridge\":false,\"blocking\":true},"
                        + "{\"address\":\"0000:02:00.1\",\"vendor\":\"10de\",\"device\":\"228b\",\"class\":\"0403\",\"driver\":\"snd_hda_intel\",\"bridge\":false,\"blocking\":true}"
                        + "]}]}\n",
                r.out());
    }

    @Test
    void groupsTextShowsVerdictsLikeTheSeedsListings() throws Exception {
        Host h = host(SeedHosts.seed003(tmp.resolve("sys"), true));
        Run r = run(new GroupsCommand(h));
        assertEquals(0, r.code(), r.err());
        assertTrue(
                r.out()
                        .contains(
                                "IOMMU group 1: viable\n"
                                        + "  0000:00:01.0  PCI bridge [0604]: Device [8086:0c01]  driver: pcieport  bridge\n"
                                        + "  0000:01:00.0  VGA compatible controller [0300]: Device [10de:13c2]  driver: vfio-pci\n"),
                r.out());
        assertTrue(
                r.out()
                        .contains("IOMMU group 10: not viable (3 devices block it)\n"
                                + "  0000:00:1f.0  ISA bridge [0601]: Device [8086:8cc4]  driver: lpc_ich  BLOCKS\n"),
                r.out());
        assertEquals(0, run(new GroupsCommand(h), "--device", "01:00.1").code());
    }

    @Test
    void groupsDiagnoseShowsEachDevicesResetWithItsEvidenceAndTheFix() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        fs.device("0000:04:00.0")
                .cls("030000")
                .vendor("1002")
                .device("731f")
                .driver("vfio-pci")
                .group(3);
        Files.writeString(fs.dir("0000:04:00.0").resolve("reset_method"), "bus\n");
        Host h = host(fs);
        Run text = run(new GroupsCommand(h), "--diagnose");
        assertEquals(0, text.code(), text.err());
        assertTrue(
                text.out()
                        .contains(
                                "      WARN reset: only a secondary bus reset, which AMD GPUs often do not come back"),
                text.out());
        assertTrue(text.out().contains("        fix: the AMD reset bug class: load vendor-reset"), text.out());
        Run json = run(new GroupsCommand(h), "--diagnose", "--json");
        com.fasterxml.jackson.databind.JsonNode v = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(json.out())
                .at("/groups/0/devices/0/verdicts/0");
        assertEquals("reset", v.get("id").asText());
        assertEquals("warn", v.get("status").asText());
        assertTrue(v.get("evidence").toString().contains("reset_method = \\\"bus\\\""), v.toString());
        assertFalse(
                run(new GroupsCommand(h), "--json").out().contains("verdicts"), "without --diagnose the shape stays");
    }

    @Test
    void groupsWithoutIommuExitsThree() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        fs.device("0000:00:03.0").cls("020000").driver("virtio-pci");
        Run r = run(new GroupsCommand(host(fs)), "--json");
        assertEquals(3, r.code());
        assertEquals("{\"groups\":[]}\n", r.out());
        assertTrue(r.err().contains("no IOMMU groups: the IOMMU is off"), r.err());
    }

    @Test
    void bindGroupThenUnbindRestores() throws Exception {
        FakeSysfs fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        Host h = host(fs);
        Run b = run(new BindCommand(h), "--group", "01:00.0", "--owner", "lab");
        assertEquals(0, b.code(), b.err());
        assertEquals(
                "0000:01:00.0: nvidia -> vfio-pci\n0000:01:00.1: snd_hda_intel -> vfio-pci\n"
                        + "original drivers recorded in " + tmp.resolve("state/.devices")
                        + "; 'vmlaunch unbind' restores them\n"
                        + "IOMMU group 1 is viable\n",
                b.out());
        assertEquals(
                "lab",
                h.bindStore().read(PciAddress.parse("01:00.1")).orElseThrow().owner());

        Run u = run(new UnbindCommand(h), "--all");
        assertEquals(0, u.code(), u.err());
        assertEquals("0000:01:00.0: vfio-pci -> nvidia\n0000:01:00.1: vfio-pci -> snd_hda_intel\n", u.out());
        assertEquals(
                "nvidia",
                new Sysfs(fs.root()).driverOf(PciAddress.parse("01:00.0")).orElseThrow());
    }

    @Test
    void bindOfOneFunctionSaysWhatStillBlocks() throws Exception {
        Host h = host(SeedHosts.seed003(tmp.resolve("sys"), false));
        Run b = run(new BindCommand(h), "01:00.0");
        assertTrue(
                b.out()
                        .endsWith("IOMMU group 1 is not viable yet: 0000:01:00.1 (snd_hda_intel) still on their"
                                + " drivers (bind them too, or use --group)\n"),
                b.out());
    }

    @Test
    void aBadAddressIsAUsageErrorAndNothingIsTouched() throws Exception {
        Host h = host(SeedHosts.seed003(tmp.resolve("sys"), false));
        Run r = run(new BindCommand(h), "01:00.0", "0000:01:00.9");
        assertEquals(2, r.code());
        assertEquals(
                "vmlaunch: not a PCI address: '0000:01:00.9' (expected DDDD:BB:SS.F or BB:SS.F in hex, slot 00-1f,"
                        + " function 0-7)\n",
                r.err());
        assertEquals(List.of(), kernel.calls);
    }

    @Test
    void aRefusalExitsThreeAndListsTheReason() throws Exception {
        Host h = host(SeedHosts.seed003(tmp.resolve("sys"), false));
        Run r = run(new BindCommand(h), "00:02.0");
        assertEquals(3, r.code());
        assertTrue(
                r.err()
                        .startsWith("vmlaunch: nothing was changed:\n  refusing to take 0000:00:02.0 from the host:"
                                + " it is the boot VGA device"),
                r.err());
    }

    @Test
    void unbindNeedsDevicesOrAll() throws Exception {
        Host h = host(SeedHosts.seed003(tmp.resolve("sys"), false));
        assertEquals(2, run(new UnbindCommand(h)).code());
        assertEquals(2, run(new UnbindCommand(h), "--all", "01:00.0").code());
    }

    @Test
    void hostCheckJsonSaysNotReadyAndExitsThree() throws Exception {
        Host h = host(SeedHosts.seed003(tmp.resolve("sys"), false));
        Run r = run(new HostCheckCommand(h), "--json");
        assertEquals(3, r.code());
        assertTrue(
                r.out()
                        .startsWith(
                                "{\"ready\":false,\"checks\":[{\"id\":\"cpu-virtualization\",\"status\":\"pass\","
                                        + "\"detail\":\"Intel VT-x (vmx)\",\"remedy\":null},{\"id\":\"kvm\",\"status\":\"fail\""),
                r.out());
        Run text = run(new HostCheckCommand(h));
        assertTrue(text.out().contains("FAIL  kvm                  no " + tmp.resolve("dev/kvm")), text.out());
        assertTrue(text.out().endsWith("this host is not ready for VFIO passthrough: 2 checks failed\n"), text.out());
    }

    @Test
    void hostPersistPrintsAndChangesNothing() throws Exception {
        Host h = host(SeedHosts.seed003(tmp.resolve("sys"), false));
        Run r = run(new HostPersistCommand(h), "01:00.0", "01:00.1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("options vfio-pci ids=10de:13c2,10de:0fbb\n"), r.out());
        assertEquals(List.of(), kernel.calls);
        assertFalse(Files.exists(tmp.resolve("state")));
    }

    @Test
    void theCommandsAreRegisteredInMain() {
        Run help = throughMain("host", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("check") && help.out().contains("persist"), help.out());
        Run bad = throughMain("bind", "not-a-bdf");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("not a PCI address: 'not-a-bdf'"), bad.err());
        assertEquals(2, throughMain("groups", "--device", "zz").code());
        assertEquals(2, throughMain("unbind", "1:2:3").code());
        assertEquals(2, throughMain("host", "persist", "../x").code());
    }
}
