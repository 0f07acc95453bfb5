package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.GuestSpec;
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
 * The harness flow against "guests" that are host processes: the fake launcher runs the real agent.sh in a shell,
 * so the agent protocol, /proc/interrupts parsing and msi_irqs judging are all real; booting and the kernel's
 * counters are faked. Each guest's agent reads a /proc and /sys of its own (VMLAUNCH_SYSROOT): one virtio-blk with
 * two MSI-X vectors, and the workload {@link #FIRE} moves one of them by {@link #FIRED_DELTA}, as disk I/O would.
 */
class HarnessTest {
    @TempDir
    Path share;

    /** The vendor:device of the fake tree's device: a virtio-blk (modern). */
    static final String BLK = "1af4:1042";

    static final int FIRED_DELTA = 64;
    /** The workload that "fires" the device: the counters the agent reads next have moved. */
    static final String FIRE = "cp $VMLAUNCH_SYSROOT/proc/interrupts.busy $VMLAUNCH_SYSROOT/proc/interrupts";

    /** A guest's /proc and /sys as its agent reads them, before the workload. */
    static Path fakeSysroot(Path dir) throws java.io.IOException {
        Path dev = Files.createDirectories(dir.resolve("sys/bus/pci/devices/0000:00:04.0"));
        Files.writeString(dev.resolve("vendor"), "0x1af4\n");
        Files.writeString(dev.resolve("device"), "0x1042\n");
        Files.writeString(dev.resolve("class"), "0x010000\n");
        Files.createDirectories(dev.resolve("msi_irqs"));
        Files.writeString(dev.resolve("msi_irqs/24"), "msix\n");
        Files.writeString(dev.resolve("msi_irqs/25"), "msix\n");
        Path proc = Files.createDirectories(dir.resolve("proc"));
        Files.writeString(proc.resolve("cpuinfo"), "processor\t: 0\nprocessor\t: 1\n");
        String table =
                """
                           CPU0       CPU1
                  1:          9          0   IO-APIC   1-edge      i8042
                 24:          0          0   PCI-MSI 65536-edge      virtio1-config
                 25:        %d          0   PCI-MSI 65537-edge      virtio1-req.0
                LOC:       1000       1000   Local timer interrupts
                """;
        Files.writeString(proc.resolve("interrupts"), table.formatted(100));
        Files.writeString(proc.resolve("interrupts.busy"), table.formatted(100 + FIRED_DELTA));
        return dir;
    }

    final List<String> progress = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> stops = new ConcurrentHashMap<>();

    /** Starts the agent as a host process; names starting with "dead" exit at once, "mute" never start the agent. */
    final HarnessGuests fake = spec -> {
        Path shareDir = spec.shares().get(0).path();
        List<String> cmd = spec.name().startsWith("dead")
                ? List.of("sh", "-c", "echo boom; exit 3")
                : spec.name().startsWith("mute")
                        ? List.of("sleep", "300")
                        : List.of("sh", ".vmlaunch/" + spec.name() + "/agent.sh");
        assertTrue(
                spec.boot().cmdline().contains("vmlaunch.name=" + spec.name() + " vmlaunch.share=work"),
                spec.boot().cmdline());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(shareDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(shareDir.resolve(spec.name() + ".console").toFile());
        // A real guest's agent reads its token from /proc/cmdline; this host's is not the guest's.
        java.util.regex.Matcher token = java.util.regex.Pattern.compile("vmlaunch\\.token=(\\S+)")
                .matcher(spec.boot().cmdline());
        assertTrue(token.find(), spec.boot().cmdline());
        pb.environment().put("VMLAUNCH_TOKEN", token.group(1));
        pb.environment()
                .put(
                        "VMLAUNCH_SYSROOT",
                        fakeSysroot(shareDir.resolve("sysroot-" + spec.name())).toString());
        Process p = pb.start();
        return new HarnessGuests.RunningGuest() {
            @Override
            public String name() {
                return spec.name();
            }

            @Override
            public boolean isAlive() {
                return p.isAlive();
            }

            @Override
            public Optional<String> ended() {
                return p.isAlive() ? Optional.empty() : Optional.of("exited with status " + p.exitValue());
            }

            @Override
            public void stop(Duration timeout) {
                stops.computeIfAbsent(spec.name(), k -> new AtomicInteger()).incrementAndGet();
                p.destroyForcibly();
            }

            @Override
            public Path consoleLog() {
                return shareDir.resolve(spec.name() + ".console");
            }
        };
    };

    HarnessSpec harness(String workload, String expect, String... guestNames) throws Exception {
        StringBuilder guests = new StringBuilder();
        for (String n : guestNames) {
            if (guests.length() > 0) {
                guests.append(',');
            }
            guests.append("{\"name\":\"")
                    .append(n)
                    .append("\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"shares\":[{\"path\":\"")
                    .append(share)
                    .append("\",\"tag\":\"work\"}],\"passthrough\":[{\"host\":\"3b:00.0\"}]}");
        }
        Path f = share.resolve("h.json");
        Files.writeString(
                f,
                "{\"guests\":[" + guests + "],\"share\":\"work\",\"bootTimeout\":3,\"workloadTimeout\":20,"
                        + "\"workload\":\"" + workload + "\"" + (expect == null ? "" : ",\"expect\":" + expect) + "}");
        return HarnessLoader.load(f).spec();
    }

    HarnessReport run(HarnessSpec spec, String hostVendorDevice) throws Exception {
        return new Harness(spec, fake, a -> Optional.of(hostVendorDevice), progress::add).run();
    }

    /** The host's /proc/interrupts as a 6.1 host prints vfio-pci's rows for 0000:3b:00.0 (vfio_pci_intrs.c names). */
    static String hostTable(long vector0) {
        return "            CPU0       CPU1\n"
                + "  24:  " + vector0 + "          2  IR-PCI-MSI 81920-edge      vfio-msix[0](0000:3b:00.0)\n"
                + "  25:          0          0  IR-PCI-MSI 81921-edge      vfio-msix[1](0000:3b:00.0)\n";
    }

    /** The host as HostDevices sees it: the disk's vendor:device, and these /proc/interrupts reads in turn. */
    static Harness.HostDevices hostWith(String... interrupts) {
        java.util.Deque<String> reads = new java.util.concurrent.ConcurrentLinkedDeque<>(List.of(interrupts));
        return new Harness.HostDevices() {
            @Override
            public Optional<String> vendorDevice(dev.vmlaunch.config.PciAddress a) {
                return Optional.of(BLK);
            }

            @Override
            public Optional<String> interrupts() {
                return Optional.ofNullable(reads.poll());
            }
        };
    }

    @Test
    void theHostsVfioRowsAroundTheWorkloadAreReportedBesideTheGuests() throws Exception {
        HarnessReport r = new Harness(
                        harness(FIRE, null, "virt1"), fake, hostWith(hostTable(10), hostTable(25)), progress::add)
                .run();
        assertTrue(r.passed(), r.toString());
        HarnessReport.DeviceResult d = r.guests().get(0).devices().get(0);
        assertEquals(HostInterruptSide.BOTH, d.hostInterrupts().moved(), d.toString());
        assertEquals(15, d.hostInterrupts().delta());
        assertEquals(2, d.hostInterrupts().vectors());
        assertTrue(
                progress.stream()
                        .anyMatch(l ->
                                l.contains("host side (0000:3b:00.0): the host's vfio-pci handler " + "took them")),
                progress.toString());
    }

    @Test
    void flatHostRowsAreAFactNotAFailure() throws Exception {
        HarnessReport r = new Harness(
                        harness(FIRE, null, "virt1"), fake, hostWith(hostTable(10), hostTable(10)), progress::add)
                .run();
        assertTrue(r.passed(), "host counters stay flat with posted interrupts; the guest's count decides: " + r);
        HarnessReport.DeviceResult d = r.guests().get(0).devices().get(0);
        assertEquals(HostInterruptSide.GUEST, d.hostInterrupts().moved(), d.toString());
        assertEquals(0, d.hostInterrupts().delta());
    }

    @Test
    void twoGuestsPassWhenTheirDevicesVectorsFire() throws Exception {
        HarnessReport r = run(harness(FIRE, null, "virt1", "virt2"), BLK);
        assertTrue(r.passed(), r.toString());
        assertEquals(
                List.of("virt1", "virt2"),
                r.guests().stream().map(HarnessReport.GuestResult::name).toList());
        for (HarnessReport.GuestResult g : r.guests()) {
            assertEquals(0, g.workload().exitCode());
            HarnessReport.DeviceResult d = g.devices().get(0);
            assertEquals("0000:3b:00.0", d.host());
            assertTrue(d.guest().matches("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]"), d.guest());
            assertEquals(2, d.vectors(), d.toString());
            assertEquals(1, d.fired(), d.toString());
            assertEquals(FIRED_DELTA, d.delta(), d.toString());
            assertNull(d.failure());
        }
        assertEquals(
                Map.of("virt1", 1, "virt2", 1),
                Map.of(
                        "virt1",
                        stops.get("virt1").get(),
                        "virt2",
                        stops.get("virt2").get()),
                "every guest is stopped once");
    }

    @Test
    void aDeviceThatDoesNotFireEnoughFailsWithTheDeltasInTheMessage() throws Exception {
        HarnessReport r = run(harness("true", "{\"minTotalDelta\":1000000000}", "virt1"), BLK);
        assertFalse(r.passed());
        HarnessReport.DeviceResult d = r.guests().get(0).devices().get(0);
        assertFalse(d.passed());
        assertTrue(d.failure().contains("total delta " + d.delta() + ", expected at least 1000000000"), d.failure());
        assertEquals(1, stops.get("virt1").get());
    }

    @Test
    void aDeviceWhoseVectorsNeverMoveFails() throws Exception {
        HarnessReport r = run(harness("true", null, "virt1"), BLK);
        assertFalse(r.passed(), r.toString());
        HarnessReport.DeviceResult d = r.guests().get(0).devices().get(0);
        assertEquals(0, d.fired(), d.toString());
        assertEquals(2, d.vectors(), d.toString());
    }

    @Test
    void vectorsOnTheWrongChipFail() throws Exception {
        HarnessReport r = run(harness(FIRE, "{\"chip\":\"ITS-MSI\"}", "virt1"), BLK);
        assertFalse(r.passed());
        String f = r.guests().get(0).devices().get(0).failure();
        assertTrue(f.contains("expected ITS-MSI"), f);
    }

    @Test
    void aFailingWorkloadFailsTheGuest() throws Exception {
        HarnessReport r = run(harness("echo oops; exit 7", null, "virt1"), BLK);
        assertFalse(r.passed());
        HarnessReport.GuestResult g = r.guests().get(0);
        assertEquals(7, g.workload().exitCode());
        assertEquals("oops\n", g.workload().output());
        assertEquals("the workload exited 7, expected 0", g.error());
    }

    @Test
    void aDeviceMissingInTheGuestIsNamed() throws Exception {
        HarnessReport r = run(harness("true", null, "virt1"), "dead:beef");
        assertFalse(r.passed());
        assertEquals(
                "no dead:beef device in the guest: the VMM did not attach it",
                r.guests().get(0).devices().get(0).failure());
    }

    @Test
    void aGuestThatNeverBootsTimesOutAndIsStopped() throws Exception {
        HarnessReport r = run(harness(FIRE, null, "mute1", "virt2"), BLK);
        assertFalse(r.passed());
        HarnessReport.GuestResult mute = r.guests().get(0);
        assertTrue(mute.error().contains("did not announce itself within 3 s"), mute.error());
        assertTrue(
                r.guests().get(1).passed(),
                "the other guest still ran: " + r.guests().get(1));
        assertEquals(1, stops.get("mute1").get());
        assertEquals(1, stops.get("virt2").get());
    }

    @Test
    void aGuestThatDiesDuringBootSaysHowItEnded() throws Exception {
        HarnessReport r = run(harness("true", null, "dead1"), BLK);
        assertFalse(r.passed());
        assertEquals(
                "guest ended before its agent announced itself: exited with status 3",
                r.guests().get(0).error());
    }

    @Test
    void cancelStopsEveryGuestAndFailsTheRun() throws Exception {
        HarnessSpec spec = harness("sleep 30", null, "virt1", "virt2");
        Harness h = new Harness(spec, fake, a -> Optional.of(BLK), progress::add);
        Thread canceller = new Thread(() -> {
            while (progress.stream()
                            .filter(l -> l.startsWith("running the workload"))
                            .count()
                    < 2) {
                Thread.onSpinWait();
            }
            h.cancel();
        });
        canceller.start();
        HarnessReport r = h.run();
        canceller.join();
        assertFalse(r.passed());
        assertTrue(r.elapsed().compareTo(Duration.ofSeconds(20)) < 0, "cancel does not wait for the workload");
        for (HarnessReport.GuestResult g : r.guests()) {
            assertEquals("cancelled", g.error(), g.toString());
        }
        assertTrue(stops.get("virt1").get() >= 1 && stops.get("virt2").get() >= 1);
    }

    @Test
    void emulatedDevicesListedInTheHarnessAreJudgedToo() throws Exception {
        Path f = share.resolve("e.json");
        Files.writeString(
                f,
                "{\"guests\":[{\"name\":\"arm\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"shares\":[{\"path\":\"" + share
                        + "\",\"tag\":\"work\"}]}],\"share\":\"work\",\"devices\":[\"" + BLK + "\"],\"workload\":\""
                        + FIRE + "\"}");
        HarnessReport r = new Harness(HarnessLoader.load(f).spec(), fake, a -> Optional.empty(), progress::add).run();
        assertTrue(r.passed(), r.toString());
        assertNull(r.guests().get(0).devices().get(0).host());
    }

    @Test
    void progressSaysWhatIsHappening() throws Exception {
        run(harness("true", null, "virt1"), BLK);
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("booting guest virt1 (qemu, ")), progress.toString());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("guest virt1 is up: kernel ")), progress.toString());
    }

    @Test
    void theAgentsArgumentsAreAppendedToTheGuestsCommandLine() throws Exception {
        GuestSpec g = harness("true", null, "virt1").guests().get(0);
        assertNull(g.boot().cmdline());
        assertEquals(
                "vmlaunch.name=virt1",
                g.withCmdlineAppended("vmlaunch.name=virt1").boot().cmdline());
        assertEquals(
                "vmlaunch.name=virt1 x",
                g.withCmdlineAppended("vmlaunch.name=virt1")
                        .withCmdlineAppended("x")
                        .boot()
                        .cmdline());
    }

    @Test
    void theReportSaysWhatRanTheGuestAndWhichDriverHadEachManagedDeviceOnceItStopped() throws Exception {
        // The fake host: the device is on vfio-pci until its guest is stopped (and its devices given back), then
        // e1000e.
        Harness.HostDevices host = new Harness.HostDevices() {
            @Override
            public Optional<String> vendorDevice(dev.vmlaunch.config.PciAddress a) {
                return Optional.of(BLK);
            }

            @Override
            public Optional<String> driver(dev.vmlaunch.config.PciAddress a) {
                return Optional.of(stops.containsKey("virt1") ? "e1000e" : "vfio-pci");
            }
        };
        HarnessReport r = new Harness(harness(FIRE, null, "virt1"), fake, host, progress::add).run();
        HarnessReport.GuestResult g = r.guests().get(0);
        assertEquals("qemu", g.vmm());
        assertEquals("tcg", g.accel());
        HarnessReport.DeviceResult d = g.devices().get(0);
        assertEquals(true, d.managed(), d.toString());
        assertEquals("e1000e", d.restoredDriver(), d.toString());
    }
}
