package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.driver.ProcessIdentity;
import dev.vmlaunch.host.FakeKernel;
import dev.vmlaunch.host.FakeSysfs;
import dev.vmlaunch.host.Host;
import dev.vmlaunch.host.HostRoots;
import dev.vmlaunch.host.PciIds;
import dev.vmlaunch.host.SeedHosts;
import dev.vmlaunch.host.Sysfs;
import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.GuestStateFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vmlaunch unbind --owner NAME}: what a guest's bind records name, and nothing else, over the
 * GTX 970 host of the Chalach/kvm passthrough guide. */
class UnbindOwnerTest {
    @TempDir
    Path tmp;

    FakeSysfs fs;

    record Run(int code, String out, String err) {}

    private Host host() throws Exception {
        fs = SeedHosts.seed003(tmp.resolve("sys"), false);
        FakeKernel kernel = new FakeKernel(fs);
        Path proc = Files.createDirectories(tmp.resolve("proc/self"));
        Files.writeString(proc.resolve("mountinfo"), "");
        return new Host(
                new HostRoots(fs.root(), tmp.resolve("dev"), proc.getParent()),
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
        cl.setExecutionExceptionHandler((ex, cmd, pr) -> Main.report(ex, false, ew));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private String driver(String bdf) {
        return new Sysfs(fs.root()).driverOf(PciAddress.parse(bdf)).orElse(null);
    }

    @Test
    void givesBackOnlyTheDevicesBoundForThatOwner() throws Exception {
        Host h = host();
        h.binder().bind(List.of(PciAddress.parse("01:00.0")), false, false, "gpu");
        h.binder().bind(List.of(PciAddress.parse("01:00.1")), false, false, "audio");

        Run r = run(new UnbindCommand(h), "--owner", "gpu");
        assertEquals(0, r.code(), r.err());
        assertEquals("0000:01:00.0: vfio-pci -> nvidia\n", r.out());
        assertEquals("nvidia", driver("0000:01:00.0"));
        assertEquals("vfio-pci", driver("0000:01:00.1"), "another owner's device stays");
        assertEquals(
                "audio",
                h.bindStore().read(PciAddress.parse("01:00.1")).orElseThrow().owner());

        Run again = run(new UnbindCommand(h), "--owner", "gpu");
        assertEquals(0, again.code(), again.err());
        assertEquals("no devices bound for \"gpu\"\n", again.out());
    }

    @Test
    void isRefusedWhileThatGuestRuns() throws Exception {
        Host h = host();
        h.binder().bind(List.of(PciAddress.parse("01:00.0")), false, false, "gpu");
        // A guest whose supervisor (this JVM) is alive: its devices are in use.
        ProcessIdentity me = ProcessIdentity.current();
        String now = Instant.now().toString();
        Files.createDirectories(tmp.resolve("state/gpu"));
        GuestStateFile.write(
                tmp.resolve("state/gpu/state.json"),
                new GuestState(
                        GuestState.VERSION,
                        "gpu",
                        "qemu",
                        "qemu-system-x86_64",
                        ProcessIdentity.bootId(),
                        null,
                        null,
                        me.pid(),
                        me.startTicks(),
                        false,
                        Lifecycle.RUNNING.json(),
                        now,
                        now,
                        List.of("0000:01:00.0"),
                        List.of("0000:01:00.0"),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));

        Run r = run(new UnbindCommand(h), "--owner", "gpu");
        assertEquals(1, r.code(), r.out());
        assertEquals(
                "vmlaunch: guest \"gpu\" is running; 'vmlaunch stop gpu' stops it and gives its devices back\n",
                r.err());
        assertEquals("vfio-pci", driver("0000:01:00.0"));
    }

    @Test
    void anOwnerThatIsNoGuestNameIsAUsageError() throws Exception {
        Host h = host();
        Run r = run(new UnbindCommand(h), "--owner", "../x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--owner: \"../x\" is not a guest name"), r.err());
        assertEquals(2, run(new UnbindCommand(h), "--owner", "gpu", "--all").code());
        assertEquals(2, run(new UnbindCommand(h), "--owner", "gpu", "01:00.0").code());
    }
}
