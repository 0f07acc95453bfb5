package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.supervise.GuestState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cpuAffinity and vcpuPin applied for real: a real QEMU (aarch64 "-machine none" with one vCPU thread, under TCG)
 * and the fake kvmtool (real threads named kvm-vcpu-N), pinned with the real sched_setaffinity, checked from
 * /proc/PID/task/TID/status. This machine has CPUs 0 and 1.
 */
class AffinityIT {
    @TempDir
    Path tmp;

    SupervisionEnv env;

    @BeforeEach
    void setUp() throws Exception {
        env = new SupervisionEnv(tmp);
        // The fake sysfs tells the host's real online CPUs, so that run's check sees this machine.
        Files.createDirectories(tmp.resolve("sys/devices/system/cpu"));
        Files.writeString(
                tmp.resolve("sys/devices/system/cpu/online"),
                Files.readString(Path.of("/sys/devices/system/cpu/online")));
    }

    @AfterEach
    void tearDown() throws Exception {
        env.close();
    }

    private Path qemuGuest(String name, String pinning) throws IOException {
        return env.writeGuest(
                name,
                "{\"name\": \"" + name + "\", \"vmm\": \"qemu\", \"accel\": \"tcg\", \"memory\": "
                        + "\"16M\", \"binary\": \"" + SupervisionEnv.FAKES.resolve("qemu-aarch64-machine-none") + "\", "
                        + pinning + "}");
    }

    /** tid → [comm, Cpus_allowed_list] of every thread of {@code pid}, as the kernel shows them now. */
    private static Map<Long, String[]> threads(long pid) throws IOException {
        Map<Long, String[]> out = new LinkedHashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : ds) {
                String allowed = Files.readAllLines(t.resolve("status")).stream()
                        .filter(l -> l.startsWith("Cpus_allowed_list:"))
                        .findFirst()
                        .orElseThrow()
                        .substring("Cpus_allowed_list:".length())
                        .strip();
                out.put(
                        Long.parseLong(t.getFileName().toString()),
                        new String[] {Files.readString(t.resolve("comm")).strip(), allowed});
            }
        }
        return out;
    }

    private JsonNode status(String name) throws Exception {
        VmlaunchProcess status = env.vmlaunch("status", "--json", name);
        assertEquals(0, status.exitCode(), status.transcript());
        return SupervisionEnv.JSON.readTree(status.stdoutText());
    }

    @Test
    void everyQemuThreadIsOnTheProcessMaskAndStatusReportsIt() throws Exception {
        VmlaunchProcess run = env.vmlaunch(
                "run",
                "-d",
                qemuGuest("pinned", "\"cpuAffinity\": \"0\", " + "\"vcpuPin\": {\"0\": \"0\"}")
                        .toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("pinned");
        Map<Long, String[]> threads = threads(s.pid());
        assertTrue(threads.size() >= 2, "qemu runs a vCPU thread besides its main thread: " + threads.keySet());
        threads.forEach((tid, t) -> assertEquals("0", t[1], "thread " + tid + " (" + t[0] + ")"));

        JsonNode st = status("pinned");
        assertEquals("running", st.path("qmp").path("status").asText(), "cont was sent after pinning: " + st);
        JsonNode a = st.path("affinity");
        assertEquals("0", a.path("process").asText(), st.toString());
        assertEquals(threads.size(), a.path("threads").asInt(), st.toString());
        assertEquals(0, a.path("threadsOutsideProcessMask").size(), st.toString());
        assertEquals(1, a.path("vcpus").size(), st.toString());
        JsonNode vcpu = a.path("vcpus").get(0);
        assertEquals(0, vcpu.path("index").asInt());
        assertTrue(threads.containsKey(vcpu.path("tid").asLong()), "the vCPU thread is one of qemu's: " + vcpu);
        assertFalse(vcpu.path("tid").asLong() == s.pid(), "the vCPU thread is not the main thread");
        assertEquals("0", vcpu.path("cpus").asText());
        assertTrue(Files.isRegularFile(env.state.resolve("pinned/affinity.json")), "recorded in the state folder");

        VmlaunchProcess text = env.vmlaunch("status", "pinned");
        assertTrue(
                text.stdoutText()
                        .contains("affinity:  process 0 (" + threads.size() + " threads); vCPU 0: tid "
                                + vcpu.path("tid").asLong() + " on 0"),
                text.stdoutText());
    }

    /**
     * VMLAUNCH_PROC moves the /proc that checks read, not the one that holds processes: a supervisor run against a
     * fake /proc still pins its own VMM's threads, and status still reads them back, from the kernel's /proc.
     */
    @Test
    void aFakeProcForTheChecksStillPinsTheRealVmm() throws Exception {
        Path proc = Files.createDirectories(tmp.resolve("proc/self")).getParent();
        Files.writeString(proc.resolve("self/mountinfo"), "");
        Files.writeString(
                proc.resolve("self/limits"),
                "Max locked memory         unlimited            unlimited            bytes\n");
        Files.writeString(proc.resolve("swaps"), "Filename\tType\tSize\tUsed\tPriority\n");
        Files.writeString(proc.resolve("iomem"), "");
        Files.writeString(proc.resolve("interrupts"), "  0:   44   0  IR-IO-APIC    2-edge      timer\n");
        Map<String, String> fakeProc = new java.util.HashMap<>(env.env());
        fakeProc.put("VMLAUNCH_PROC", proc.toString());
        Path guest = qemuGuest("fakeproc", "\"cpuAffinity\": \"1\", \"vcpuPin\": {\"0\": \"1\"}");

        VmlaunchProcess run = VmlaunchProcess.run(fakeProc, "run", "-d", guest.toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("fakeproc");
        Map<Long, String[]> threads = threads(s.pid());
        threads.forEach((tid, t) -> assertEquals("1", t[1], "thread " + tid + " (" + t[0] + ")"));
        VmlaunchProcess status = VmlaunchProcess.run(fakeProc, "status", "--json", "fakeproc");
        assertEquals(0, status.exitCode(), status.transcript());
        JsonNode a = SupervisionEnv.JSON.readTree(status.stdoutText()).path("affinity");
        assertEquals(threads.size(), a.path("threads").asInt(), a.toString());
        assertEquals("1", a.path("vcpus").get(0).path("cpus").asText(), a.toString());
        VmlaunchProcess list = VmlaunchProcess.run(fakeProc, "list");
        assertTrue(list.stdoutText().contains("fakeproc"), list.transcript());
        assertTrue(list.stdoutText().contains("running"), list.transcript());
    }

    @Test
    void aVcpuPinAloneMovesOnlyTheVcpuThread() throws Exception {
        VmlaunchProcess run = env.vmlaunch(
                "run",
                "-d",
                qemuGuest("vcpu-only", "\"vcpuPin\": {\"0\": \"1\"}").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("vcpu-only");
        JsonNode vcpu = status("vcpu-only").path("affinity").path("vcpus").get(0);
        Map<Long, String[]> threads = threads(s.pid());
        assertEquals("1", threads.get(vcpu.path("tid").asLong())[1]);
        assertEquals(
                Files.readString(Path.of("/sys/devices/system/cpu/online")).strip(),
                threads.get(s.pid())[1],
                "the main thread keeps the host's CPUs");
    }

    @Test
    void kvmtoolIsSpawnedUnderTheMaskAndItsVcpuThreadsArePinnedByName() throws Exception {
        Path guest = env.writeGuest(
                "lk",
                "{\"name\": \"lk\", \"vmm\": \"lkvm\", \"cpus\": 2, \"binary\": \""
                        + SupervisionEnv.FAKES.resolve("fake-lkvm") + "\", \"kernel\": \""
                        + SupervisionEnv.FAKES.resolve("fake-lkvm")
                        + "\", \"cpuAffinity\": \"1\", \"vcpuPin\": {\"0\": \"1\", \"1\": \"1\"}}");
        VmlaunchProcess run = env.vmlaunch("run", "-d", guest.toString());
        assertEquals(0, run.exitCode(), run.transcript());
        GuestState s = env.state("lk");
        Map<Long, String[]> threads = threads(s.pid());
        // vmlaunch sets no mask on kvmtool's other threads: their "1" was inherited from taskset at the spawn.
        threads.forEach((tid, t) -> assertEquals("1", t[1], "thread " + tid + " (" + t[0] + ")"));
        JsonNode a = status("lk").path("affinity");
        assertEquals(2, a.path("vcpus").size(), a.toString());
        for (JsonNode v : a.path("vcpus")) {
            assertEquals(
                    "kvm-vcpu-" + v.path("index").asInt(),
                    threads.get(v.path("tid").asLong())[0],
                    a.toString());
        }
    }

    /**
     * cpuAffinity alone is taskset's job and /proc's: the detached supervisor never loads the FFI (jnr-ffi's native
     * stub, libjffi, is not in its memory map), which keeps it small and its start fast inside an emulated host.
     */
    @Test
    void aProcessMaskAloneIsAppliedWithoutTheFfiInTheSupervisor() throws Exception {
        VmlaunchProcess run = env.vmlaunch(
                "run", "-d", qemuGuest("masked", "\"cpuAffinity\": \"1\"").toString());
        assertEquals(0, run.exitCode(), run.transcript());
        JsonNode s = SupervisionEnv.JSON.readTree(
                env.state.resolve("masked/state.json").toFile());
        threads(s.path("pid").asLong())
                .forEach((tid, t) -> assertEquals("1", t[1], "thread " + tid + " (" + t[0] + ")"));
        String maps =
                Files.readString(Path.of("/proc/" + s.path("supervisorPid").asLong() + "/maps"));
        assertFalse(maps.contains("jffi"), "the supervisor mapped jnr-ffi's native library");
        JsonNode st = status("masked");
        assertEquals("running", st.path("qmp").path("status").asText(), st.toString());
        assertEquals("1", st.path("affinity").path("process").asText(), st.toString());
    }

    /** taskset refusing the mask (a cpuset with none of its CPUs): its words, exit 3, the start recorded as failed. */
    @Test
    void aMaskTasksetRefusesIsExit3InItsWords() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("refusing-bin"));
        Path taskset = bin.resolve("taskset");
        Files.writeString(
                taskset,
                "#!/bin/sh\necho \"taskset: failed to set pid $$'s affinity: Invalid argument\" >&2\nexit 1\n");
        taskset.toFile().setExecutable(true);
        Map<String, String> e = new java.util.HashMap<>(env.env());
        e.put("PATH", bin + ":" + System.getenv("PATH"));
        VmlaunchProcess run = VmlaunchProcess.run(
                e, "run", "-d", qemuGuest("refused", "\"cpuAffinity\": \"1\"").toString());
        assertEquals(3, run.exitCode(), run.transcript());
        assertTrue(
                run.stderrText()
                        .contains("\"cpuAffinity\" (1) cannot be applied here: taskset: Invalid argument (none of "
                                + "these CPUs is online and in vmlaunch's cpuset)"),
                run.transcript());
        JsonNode s = SupervisionEnv.JSON.readTree(
                env.state.resolve("refused/state.json").toFile());
        assertEquals("start-failed", s.path("exit").path("how").asText(), s.toString());
    }

    @Test
    void aCpuThatIsNotOnlineStopsCheckAndRunWithExit3() throws Exception {
        Path guest = qemuGuest("offline", "\"cpuAffinity\": \"0,4000\"");
        VmlaunchProcess check = env.vmlaunch("check", guest.toString());
        assertEquals(3, check.exitCode(), check.transcript());
        assertTrue(
                check.stderrText().contains("\"cpuAffinity\" (0,4000) names CPU 4000, not online on this host"),
                check.transcript());
        VmlaunchProcess run = env.vmlaunch("run", "-d", guest.toString());
        assertEquals(3, run.exitCode(), run.transcript());
        assertFalse(Files.exists(env.state.resolve("offline/state.json")), "nothing started");
    }

    @Test
    void aCpuListSyntaxErrorIsAConfigErrorWithItsPlace() throws Exception {
        Path guest = qemuGuest("bad", "\"cpuAffinity\": \"1-0\"");
        VmlaunchProcess run = env.vmlaunch("run", "-d", guest.toString());
        assertEquals(2, run.exitCode(), run.transcript());
        assertTrue(run.stderrText().contains(guest + ":1:"), run.transcript());
        assertTrue(
                run.stderrText().contains("$.cpuAffinity: \"1-0\" is a backwards range (write 0-1)"), run.transcript());
    }
}
