package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.Vmm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/smmute-pair-console.json, Arm's SMMU test engine flow: two kvmtool guests with their buildroot ramdisk
 * unmodified, driven through console sockets: each "guest" is a {@link FakeShell} behind a real unix socket (the
 * console.sock a supervisor serves), answering as those guests do (a getty, the smmute device on ITS-MSI vectors).
 */
class ConsoleHarnessTest {
    @TempDir
    Path dir;

    static final String HEADER = "           CPU0       CPU1\n";
    static final String ITS_ROWS = " 20: %d 0 ITS-MSI 0 Edge 0000:00:00.0\n 21: 0 %d ITS-MSI 1 Edge 0000:00:00.0\n"
            + " 22: 0 0 ITS-MSI 2 Edge 0000:00:00.0\n 23: 3 0 ITS-MSI 16384 Edge virtio0-requests\n"
            + "IPI0: 5 7 Rescheduling interrupts\n";

    final List<String> progress = new CopyOnWriteArrayList<>();
    final Map<String, FakeShell> shells = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> stops = new ConcurrentHashMap<>();

    /** What such a guest answers; {@code fires} says whether its workload makes the device interrupt. */
    static Optional<FakeShell.Reply> smmuteGuest(String cmd, AtomicInteger snapshots, boolean fires) {
        if (cmd.startsWith("grep -q '^hostshare /tmp 9p '")) {
            return Optional.of(new FakeShell.Reply("", 0));
        }
        if (cmd.equals(ConsoleCommands.IDENTITY)) {
            return Optional.of(new FakeShell.Reply("kernel=6.1.0-buildroot\narch=aarch64\ncpus=2\n", 0));
        }
        if (cmd.equals(ConsoleCommands.DEVICES)) {
            return Optional.of(new FakeShell.Reply(
                    "device=0000:00:00.0 13b5:ff80 ff0000 smmute-pci 20,21,22\n"
                            + "device=0000:00:01.0 1af4:1042 010000 virtio-pci 23\n",
                    0));
        }
        if (cmd.equals(ConsoleCommands.MSI)) {
            return Optional.of(new FakeShell.Reply("0000:00:00.0 20 21 22 \n0000:00:01.0 23 \n", 0));
        }
        if (cmd.equals(ConsoleCommands.INTERRUPTS)) {
            int n = snapshots.getAndIncrement();
            return Optional.of(
                    new FakeShell.Reply(HEADER + String.format(ITS_ROWS, fires ? n : 0, fires ? 2 * n : 0), 0));
        }
        if (cmd.equals("(cd /tmp && ./smmute -s 0x100 -n 10) </dev/null 2>&1")) {
            return Optional.of(new FakeShell.Reply("smmute: 10 transactions ok\n", 0));
        }
        return Optional.of(new FakeShell.Reply("sh: unexpected command\n", 127));
    }

    /** Starts each guest as a console socket; a guest named in {@code noSocket} has none (a VMM without one). */
    HarnessGuests launcher(boolean fires, String... noSocket) {
        return spec -> {
            assertFalse(
                    spec.boot().cmdline().contains("vmlaunch."),
                    "nothing is added to the guest's command line: "
                            + spec.boot().cmdline());
            AtomicInteger snapshots = new AtomicInteger();
            FakeShell shell = new FakeShell(cmd -> smmuteGuest(cmd, snapshots, fires)).withLogin("root", null);
            shell.prompt = "# ";
            shells.put(spec.name(), shell);
            FakeConsoleSocket socket = List.of(noSocket).contains(spec.name())
                    ? null
                    : new FakeConsoleSocket(dir.resolve(spec.name() + ".sock"), shell);
            return new HarnessGuests.RunningGuest() {
                volatile boolean alive = true;

                @Override
                public String name() {
                    return spec.name();
                }

                @Override
                public boolean isAlive() {
                    return alive;
                }

                @Override
                public Optional<String> ended() {
                    return alive ? Optional.empty() : Optional.of("stopped");
                }

                @Override
                public void stop(Duration timeout) {
                    stops.computeIfAbsent(spec.name(), k -> new AtomicInteger()).incrementAndGet();
                    alive = false;
                    try {
                        if (socket != null) {
                            socket.close();
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }

                @Override
                public Path consoleLog() {
                    return null;
                }

                @Override
                public Optional<Path> consoleSocket() {
                    return Optional.ofNullable(socket).map(FakeConsoleSocket::path);
                }
            };
        };
    }

    HarnessSpec smmutePair() {
        HarnessSpec h =
                HarnessLoader.load(Path.of("examples/smmute-pair-console.json")).spec();
        assertTrue(h.guests().stream().allMatch(g -> g.vmm() == Vmm.LKVM));
        return h;
    }

    HarnessReport run(HarnessSpec h, HarnessGuests l) throws Exception {
        Map<String, String> hostIds = Map.of("0000:08:00.1", "13b5:ff80", "0000:08:00.0", "13b5:ff80");
        return new Harness(h, l, a -> Optional.ofNullable(hostIds.get(a.toString())), progress::add).run();
    }

    @Test
    void theSmmutePairPassesThroughTheConsolesOfUnmodifiedGuests() throws Exception {
        HarnessReport r = run(smmutePair(), launcher(true));
        assertTrue(r.passed(), r + "\n" + progress);
        for (HarnessReport.GuestResult g : r.guests()) {
            assertEquals(0, g.workload().exitCode());
            assertEquals("smmute: 10 transactions ok\n", g.workload().output());
            assertEquals("lkvm", g.vmm());
            assertEquals("kvm", g.accel(), "kvmtool has no accel choice: it runs on KVM");
            HarnessReport.DeviceResult d = g.devices().get(0);
            assertEquals("0000:00:00.0", d.guest());
            assertEquals("ITS-MSI", d.chip());
            assertEquals(3, d.vectors());
            assertEquals(2, d.fired(), "vectors 20 and 21 fired, 22 did not");
            assertEquals(3, d.delta());
            FakeShell shell = shells.get(g.name());
            assertEquals(
                    "root",
                    shell.typedLines.stream()
                            .filter(l -> !l.isEmpty())
                            .findFirst()
                            .orElseThrow(),
                    "logged in at the getty first");
            assertEquals(
                    List.of(
                            ConsoleCommands.mount("hostshare", "/tmp", "trans=virtio"),
                            ConsoleCommands.IDENTITY,
                            ConsoleCommands.DEVICES,
                            ConsoleCommands.INTERRUPTS,
                            ConsoleCommands.MSI,
                            "(cd /tmp && ./smmute -s 0x100 -n 10) </dev/null 2>&1",
                            ConsoleCommands.INTERRUPTS,
                            ConsoleCommands.MSI),
                    shell.commandsRun);
            assertTrue(
                    shell.commandsRun.get(0).contains("mount -t 9p -o trans=virtio hostshare /tmp"),
                    "the flow's own mount command");
            assertEquals(1, stops.get(g.name()).get());
        }
        assertFalse(Files.exists(dir.resolve(".vmlaunch")), "nothing was written into a share");
    }

    @Test
    void aDeviceThatDoesNotFireFailsAsWithTheAgent() throws Exception {
        HarnessReport r = run(smmutePair(), launcher(false));
        assertFalse(r.passed());
        HarnessReport.DeviceResult d = r.guests().get(0).devices().get(0);
        assertEquals("0 of 3 vectors fired, expected at least 1; total delta 0, expected at least 1", d.failure());
    }

    @Test
    void aKvmtoolGuestWithoutAConsoleSocketFailsWithWhatToDo() throws Exception {
        HarnessReport r = run(smmutePair(), launcher(true, "virt2"));
        assertFalse(r.passed());
        assertTrue(r.guests().get(0).passed(), r.toString());
        String error = r.guests().get(1).error();
        assertTrue(
                error.contains("guest \"virt2\" has no console socket for the console driver: its supervisor "
                        + "recorded no console socket in state.json (see the guest's supervisor.log)"),
                error);
        assertEquals(1, stops.get("virt2").get(), "the guest is stopped all the same");
    }

    @Test
    void aBrokenMountFailsTheGuestWithTheGuestsOwnWords() throws Exception {
        HarnessGuests l = spec -> {
            AtomicInteger n = new AtomicInteger();
            FakeShell shell = new FakeShell(cmd -> cmd.startsWith("grep -q")
                    ? Optional.of(
                            new FakeShell.Reply("mount: mounting hostshare on /tmp failed: No such device\n", 255))
                    : smmuteGuest(cmd, n, true));
            HarnessGuests.RunningGuest g = launcher(true).start(spec);
            try {
                FakeConsoleSocket s = new FakeConsoleSocket(dir.resolve(spec.name() + "-broken.sock"), shell);
                return new HarnessGuests.RunningGuest() {
                    @Override
                    public String name() {
                        return g.name();
                    }

                    @Override
                    public boolean isAlive() {
                        return g.isAlive();
                    }

                    @Override
                    public Optional<String> ended() {
                        return g.ended();
                    }

                    @Override
                    public void stop(Duration timeout) {
                        g.stop(timeout);
                    }

                    @Override
                    public Path consoleLog() {
                        return null;
                    }

                    @Override
                    public Optional<Path> consoleSocket() {
                        return Optional.of(s.path());
                    }
                };
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        HarnessReport r = run(smmutePair(), l);
        String error = r.guests().get(0).error();
        assertTrue(
                error.contains("guest \"virt1\": mounting the share hostshare at /tmp failed with status 255: "
                        + "mount: mounting hostshare on /tmp failed: No such device"),
                error);
    }
}
