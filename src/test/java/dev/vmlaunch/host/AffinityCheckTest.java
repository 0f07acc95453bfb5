package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.drivers.VmmDrivers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cpuAffinity / vcpuPin against the host: online CPUs (error) and the passthrough device's NUMA node (warning). */
class AffinityCheckTest {
    @TempDir
    Path tmp;

    FakeSysfs sysfs;
    Path bin;

    @BeforeEach
    void setUp() throws IOException {
        sysfs = new FakeSysfs(tmp.resolve("sys"));
        Files.createDirectories(tmp.resolve("sys/devices/system/cpu"));
        online("0-3\n");
        bin = Files.createDirectories(tmp.resolve("bin"));
        Path taskset = Files.createFile(bin.resolve("taskset"));
        taskset.toFile().setExecutable(true);
    }

    private void online(String list) throws IOException {
        Files.writeString(tmp.resolve("sys/devices/system/cpu/online"), list);
    }

    private static GuestSpec guest(String members) {
        return GuestSpecLoader.fromJson(
                        JsonReader.parse(
                                "{\"name\": \"g\", \"vmm\": \"qemu\", \"cpus\": 2, " + members + "}", "guest.json"),
                        Path.of("/guests/guest.json"),
                        "guest.json",
                        Optional.of(Arch.X86_64),
                        VmmDrivers::rules)
                .spec();
    }

    private List<Problem> problems(String members) {
        return new AffinityCheck(new Sysfs(sysfs.root())).problemsFor(guest(members), bin.toString());
    }

    private void numa(String bdf, String node, String local) throws IOException {
        sysfs.device(bdf).driver("vfio-pci").group(7);
        Files.writeString(sysfs.dir(bdf).resolve("numa_node"), node + "\n");
        Files.writeString(sysfs.dir(bdf).resolve("local_cpulist"), local + "\n");
    }

    @Test
    void onlineCpusComeFromSysfs() {
        assertEquals(
                "0-3",
                new AffinityCheck(new Sysfs(sysfs.root()))
                        .onlineCpus()
                        .orElseThrow()
                        .toString());
    }

    @Test
    void pinningToOnlineCpusIsFine() {
        assertEquals(List.of(), problems("\"cpuAffinity\": \"0-3\", \"vcpuPin\": {\"0\": \"2\", \"1\": \"3\"}"));
    }

    @Test
    void anUnpinnedGuestIsNotCheckedAtAll() throws IOException {
        Files.delete(tmp.resolve("sys/devices/system/cpu/online"));
        assertEquals(List.of(), problems("\"memory\": 64"));
    }

    @Test
    void aCpuThatIsNotOnlineIsAnErrorNamingIt() throws IOException {
        online("0-1,3\n");
        List<Problem> p = problems("\"cpuAffinity\": \"1-2\", \"vcpuPin\": {\"1\": \"2\"}");
        assertEquals(
                List.of(
                        "\"cpuAffinity\" (1-2) names CPU 2, not online on this host (online: 0-1,3)",
                        "\"vcpuPin\" of vCPU 1 (2) names CPU 2, not online on this host (online: 0-1,3)"),
                p.stream().map(Problem::message).toList());
        assertTrue(p.stream().allMatch(Problem::isError));
    }

    @Test
    void unreadableOnlineListIsAnError() throws IOException {
        Files.delete(tmp.resolve("sys/devices/system/cpu/online"));
        List<Problem> p = problems("\"cpuAffinity\": \"0\"");
        assertEquals(1, p.size());
        assertTrue(
                p.get(0).isError() && p.get(0).message().startsWith("cannot read the host's online CPUs"),
                p.toString());
    }

    @Test
    void withoutTasksetAProcessMaskCannotBeApplied() throws IOException {
        Files.delete(bin.resolve("taskset"));
        assertEquals(
                List.of("taskset not found on PATH: it starts the VMM under \"cpuAffinity\""),
                problems("\"cpuAffinity\": \"0\"").stream()
                        .map(Problem::message)
                        .toList());
        assertEquals(List.of(), problems("\"vcpuPin\": {\"0\": \"0\"}"), "vcpuPin alone needs no taskset");
    }

    @Test
    void aDeviceOnAnotherNumaNodeThanThePinnedVcpusIsAWarning() throws IOException {
        numa("0000:41:00.0", "1", "2-3");
        List<Problem> p = problems("\"cpuAffinity\": \"0-3\", \"vcpuPin\": {\"0\": \"1\", \"1\": \"2\"}, "
                + "\"passthrough\": [{\"host\": \"41:00.0\"}]");
        assertEquals(
                List.of(Problem.warning(
                        "0000:41:00.0 is on NUMA node 1 (local CPUs 2-3), but the guest is pinned "
                                + "to CPUs 1-2 (1 on another node)",
                        "pin the guest within 2-3 (cpuAffinity / vcpuPin)")),
                p);
    }

    @Test
    void aDeviceLocalToThePinnedCpusOrWithoutNumaInformationIsFine() throws IOException {
        numa("0000:41:00.0", "1", "2-3");
        numa("0000:42:00.0", "-1", "0-3");
        assertEquals(
                List.of(),
                problems("\"cpuAffinity\": \"2-3\", \"passthrough\": [{\"host\": \"41:00.0\"}, "
                        + "{\"host\": \"42:00.0\"}]"));
        assertEquals(List.of(), problems("\"cpuAffinity\": \"0\", \"passthrough\": [{\"host\": \"42:00.0\"}]"));
    }

    @Test
    void numaVerdictsNameTheNodeAndTheFilesAndSuggestPinningAnUnpinnedGuest() throws IOException {
        numa("0000:41:00.0", "1", "2-3");
        AffinityCheck c = new AffinityCheck(new Sysfs(sysfs.root()));
        GuestSpec unpinned = guest("\"passthrough\": [{\"host\": \"41:00.0\"}]");
        DeviceVerdict v = c.numaVerdicts(unpinned).get(0);
        assertEquals(DoctorCheck.Status.WARN, v.status());
        assertTrue(v.remedy().startsWith("set \"cpuAffinity\": \"2-3\" in guest.json"), v.remedy());
        assertTrue(v.evidence().get(0).endsWith("numa_node = 1"), v.evidence().toString());
        assertEquals(1, c.problemsFor(unpinned, bin.toString()).size(), "the suggestion is a warning of check");
        DeviceVerdict local = c.numaVerdicts(
                        guest("\"cpuAffinity\": \"2\", \"passthrough\": [{\"host\": \"41:00.0\"}]"))
                .get(0);
        assertEquals(DoctorCheck.Status.PASS, local.status());
        numa("0000:42:00.0", "-1", "0-3");
        assertEquals(
                DoctorCheck.Status.PASS,
                c.numaVerdicts(guest("\"passthrough\": [{\"host\": \"42:00.0\"}]"))
                        .get(0)
                        .status());
    }
}
