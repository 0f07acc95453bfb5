package dev.vmlaunch.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.qmp.PciHotplug;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpTimeoutException;
import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.GuestStateFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attach} / {@code detach} against real QEMU processes. Passing a device through for real needs an IOMMU,
 * which only the lab has (LabIT); here QEMU's side is real — its query-pci, device_add, device_del and, with the
 * test image booted, the guest kernel's PCIe hotplug answering an unplug request — and host custody is
 * RecordingCustody over a fake sysfs.
 */
class HotplugIT {
    private static final Duration BOOT = Duration.ofMinutes(4);
    private static final Duration QMP = Duration.ofSeconds(10);
    /** Not on this host: QEMU's vfio-pci finds no such device, whatever the fake sysfs says. */
    private static final String DEVICE = "0000:3f:00.0";

    @TempDir
    Path tmp;

    SupervisionEnv env;

    @BeforeEach
    void setUp() throws Exception {
        env = new SupervisionEnv(tmp);
    }

    @AfterEach
    void tearDown() throws Exception {
        env.close();
    }

    private Path q35Guest(String name, int slots) throws Exception {
        return env.writeGuest(
                name,
                "{\"name\": \"" + name + "\", \"vmm\": \"qemu\", \"accel\": \"tcg\", \"memory\": \"64M\","
                        + " \"binary\": \"" + SupervisionEnv.FAKES.resolve("qemu-q35-no-kernel")
                        + "\", \"hotplugSlots\": " + slots
                        + "}");
    }

    private Path qmpCli(String name) {
        return Path.of(env.state(name).qmpCliSocket());
    }

    private String custodyLog() throws Exception {
        Path log = env.state.resolve("custody.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Test
    void attachAndDetachRefuseWithAReasonAndUndoWhatTheyDid() throws Exception {
        env.hostDevice(DEVICE);
        VmlaunchProcess run = env.cli("run", "-d", q35Guest("hp", 1).toString());
        assertEquals(0, run.exitCode(), run.transcript());

        VmlaunchProcess status = env.cli("status", "--json", "hp");
        JsonNode slots =
                SupervisionEnv.JSON.readTree(status.stdoutText()).path("qmp").path("hotplugSlots");
        assertEquals(1, slots.size(), status.transcript());
        assertEquals("vml-hp0", slots.get(0).path("id").asText());
        assertTrue(slots.get(0).path("free").asBoolean());

        VmlaunchProcess unmanaged = env.cli("attach", "hp", DEVICE);
        assertEquals(3, unmanaged.exitCode(), unmanaged.transcript());
        assertTrue(unmanaged.stderrText().contains("not on vfio-pci: " + DEVICE + " (e1000e)"), unmanaged.transcript());

        // Bound, then QEMU refuses the device: it is given back, and nothing is recorded as attached.
        VmlaunchProcess refused = env.cli("attach", "hp", DEVICE, "--managed");
        assertEquals(1, refused.exitCode(), refused.transcript());
        assertTrue(
                refused.stderrText().contains("could not attach " + DEVICE + " to \"hp\": QEMU refused:"),
                refused.transcript());
        assertTrue(refused.stderrText().contains(DEVICE + "] given back to their drivers"), refused.transcript());
        List<String> calls =
                custodyLog().lines().map(l -> l.replaceFirst(" pid=\\d+$", "")).toList();
        assertEquals(List.of("bind hp " + DEVICE, "restore hp " + DEVICE), calls);
        assertTrue(
                env.list(false).get("hp").path("attached").isMissingNode(),
                env.list(false).toString());

        // A slot filled outside vmlaunch is seen in QEMU, not trusted from a record.
        try (QmpClient qmp = QmpClient.connect(qmpCli("hp"), QMP)) {
            PciHotplug.add(qmp, Map.of("driver", "e1000e", "id", "by-hand", "bus", "vml-hp0", "addr", "0"), QMP);
        }
        VmlaunchProcess full = env.cli("attach", "hp", DEVICE, "--managed");
        assertEquals(2, full.exitCode(), full.transcript());
        assertTrue(
                full.stderrText()
                        .contains("no free hotplug slot in \"hp\" for [" + DEVICE + "]: 0 of 1 free "
                                + "(vml-hp0 holds by-hand)"),
                full.transcript());
        assertEquals(2, custodyLog().lines().count(), "a refused attach binds nothing: " + custodyLog());

        // Nothing answers the slot's attention button in a machine without an OS: the unplug wait ends, no hang.
        Instant t0 = Instant.now();
        try (QmpClient qmp = QmpClient.connect(qmpCli("hp"), QMP)) {
            QmpTimeoutException e = assertThrows(
                    QmpTimeoutException.class, () -> PciHotplug.remove(qmp, "by-hand", QMP, Duration.ofSeconds(2)));
            assertTrue(e.getMessage().contains("the guest did not release by-hand within"), e.getMessage());
        }
        assertTrue(Duration.between(t0, Instant.now()).compareTo(Duration.ofSeconds(30)) < 0);

        VmlaunchProcess notAttached = env.cli("detach", "hp", DEVICE);
        assertEquals(2, notAttached.exitCode(), notAttached.transcript());
        assertTrue(
                notAttached.stderrText().contains(DEVICE + " is not attached to \"hp\" (nothing is;"),
                notAttached.transcript());

        VmlaunchProcess stop = env.cli("stop", "--force", "hp");
        assertEquals(0, stop.exitCode(), stop.transcript());
        VmlaunchProcess stopped = env.cli("attach", "hp", DEVICE, "--managed");
        assertEquals(2, stopped.exitCode(), stopped.transcript());
        assertTrue(stopped.stderrText().contains("guest \"hp\" is not running"), stopped.transcript());
    }

    @Test
    void aDeviceBoundByAttachIsGivenBackByTheSupervisorWhenTheGuestEndsMidAttach() throws Exception {
        env.hostDevice(DEVICE);
        VmlaunchProcess run = env.cli("run", "-d", q35Guest("mid", 1).toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("mid");
        Path hold = Files.writeString(env.state.resolve("custody.hold-bind"), "");
        try (VmlaunchProcess attach = VmlaunchProcess.startCommand(
                env.cliEnv(), SupervisionEnv.cliCommand("attach", "mid", DEVICE, "--managed"))) {
            await("attach binds").atMost(Duration.ofSeconds(60)).until(() -> custodyLog()
                    .contains("bind mid " + DEVICE));
            // The VMM dies while the attach holds the device bound for it, before QEMU ever saw it.
            SupervisionEnv.signal(s.pid(), "KILL");
            await("the supervisor records the end")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> env.stateIfReadable("mid")
                            .map(st -> st.exit() != null)
                            .orElse(false));
            assertTrue(
                    custodyLog().contains("restore mid " + DEVICE + " pid=" + s.supervisorPid()),
                    "the supervisor gives back what attach bound for the guest: " + custodyLog());
            Files.delete(hold);
            assertEquals(1, attach.waitFor(Duration.ofSeconds(60)), attach.transcript());
            assertTrue(attach.stderrText().contains("could not attach " + DEVICE + " to \"mid\""), attach.transcript());
        }
    }

    @Test
    void aGuestWithoutSlotsAKvmtoolGuestAndAnUnknownNameAreRefused() throws Exception {
        VmlaunchProcess run = env.cli("run", "-d", env.noneGuest("flat").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        VmlaunchProcess noSlots = env.cli("attach", "flat", DEVICE);
        assertEquals(2, noSlots.exitCode(), noSlots.transcript());
        assertTrue(
                noSlots.stderrText().contains("guest \"flat\" has no hotplug slots: set \"hotplugSlots\""),
                noSlots.transcript());

        // A kvmtool guest's record, as its supervisor writes it.
        GuestState qemu = env.state("flat");
        Path lk = Files.createDirectories(env.state.resolve("lk"));
        GuestStateFile.write(
                lk.resolve("state.json"),
                new GuestState(
                        GuestState.VERSION,
                        "lk",
                        "lkvm",
                        "lkvm",
                        qemu.bootId(),
                        qemu.pid(),
                        qemu.pidStart(),
                        qemu.supervisorPid(),
                        qemu.supervisorStart(),
                        false,
                        "running",
                        qemu.since(),
                        qemu.startedAt(),
                        List.of(),
                        List.of(),
                        null,
                        null,
                        null,
                        null,
                        lk.resolve("lk.sock").toString(),
                        null,
                        null));
        VmlaunchProcess kvmtool = env.cli("attach", "lk", DEVICE);
        assertEquals(2, kvmtool.exitCode(), kvmtool.transcript());
        assertTrue(kvmtool.stderrText().contains("runs on kvmtool, which has no PCI hotplug"), kvmtool.transcript());
        Files.delete(lk.resolve("state.json"));

        VmlaunchProcess unknown = env.cli("detach", "nobody", DEVICE);
        assertEquals(2, unknown.exitCode(), unknown.transcript());
        VmlaunchProcess badAddress = env.cli("attach", "flat", "0000:3f:00.9");
        assertEquals(2, badAddress.exitCode(), badAddress.transcript());
    }

    @Test
    void anEmulatedDeviceInAReservedSlotIsReleasedByTheRealGuestKernel() throws Exception {
        Path images = VmlaunchProcess.ROOT.resolve("test-images/out/x86_64");
        Path guest = env.writeGuest(
                "hpboot",
                "{\"name\": \"hpboot\", \"vmm\": \"qemu\", \"accel\": \"tcg\", "
                        + "\"memory\": \"256M\", \"kernel\": \"" + images.resolve("vmlinuz") + "\", \"initrd\": \""
                        + images.resolve("initramfs.gz") + "\", \"cmdline\": \"quiet\", \"hotplugSlots\": 1}");
        VmlaunchProcess run = env.cli("run", "-d", guest.toString());
        assertEquals(0, run.exitCode(), run.transcript());
        Path console = env.state.resolve("hpboot").resolve("console.log");
        await("the guest's kernel is up")
                .atMost(BOOT)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> Files.readString(console).contains("vmlaunch: guest ready"));
        try (QmpClient qmp = QmpClient.connect(qmpCli("hpboot"), QMP)) {
            PciHotplug.add(qmp, Map.of("driver", "e1000e", "id", "hot-nic", "bus", "vml-hp0", "addr", "0"), QMP);
            // Linux's pciehp takes the device, then lets go after the attention button (its 5 s cancel window).
            assertEquals(PciHotplug.Removal.DELETED, PciHotplug.remove(qmp, "hot-nic", QMP, Duration.ofMinutes(2)));
            assertEquals(PciHotplug.Removal.ALREADY_GONE, PciHotplug.remove(qmp, "hot-nic", QMP, QMP));
        }
        VmlaunchProcess status = env.cli("status", "--json", "hpboot");
        JsonNode slot = SupervisionEnv.JSON
                .readTree(status.stdoutText())
                .path("qmp")
                .path("hotplugSlots")
                .get(0);
        assertTrue(slot.path("free").asBoolean(), status.transcript());
        assertEquals(0, env.cli("stop", "--force", "hpboot").exitCode());
    }
}
