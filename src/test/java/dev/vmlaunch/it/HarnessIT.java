package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `vmlaunch test` on real TCG guests: the agent over 9p, real NIC interrupts, real stops. */
class HarnessIT {
    @TempDir
    Path state;

    @TempDir
    Path share;

    static final Path IMAGES = VmlaunchProcess.ROOT.resolve("test-images/out/x86_64");

    String guest(String name) {
        return "{\"name\":\"" + name + "\",\"vmm\":\"qemu\",\"arch\":\"x86_64\",\"accel\":\"tcg\",\"viommu\":\"intel\","
                + "\"memory\":\"384M\",\"kernel\":\"" + IMAGES.resolve("vmlinuz") + "\",\"initrd\":\""
                + IMAGES.resolve("initramfs.gz") + "\",\"cmdline\":\"intel_iommu=on quiet\",\"shares\":[{\"path\":\""
                + share
                + "\",\"tag\":\"work\"}],\"devices\":[{\"model\":\"e1000e\",\"netdev\":\"user\"}]}";
    }

    Path harness(String workload, String... names) throws Exception {
        StringBuilder g = new StringBuilder();
        for (String n : names) {
            g.append(g.length() == 0 ? "" : ",").append(guest(n));
        }
        Path f = share.resolve("harness.json");
        Files.writeString(
                f,
                "{\"name\":\"nic-pair\",\"guests\":[" + g + "],\"share\":\"work\",\"devices\":[\"8086:10d3\"],"
                        + "\"bootTimeout\":240,\"workloadTimeout\":120,\"workload\":\"" + workload + "\","
                        + "\"expect\":{\"chip\":\"IR-PCI-MSI\",\"minVectorsFired\":1,\"minTotalDelta\":1}}");
        return f;
    }

    Map<String, String> env() {
        return Map.of("VMLAUNCH_STATE", state.toString());
    }

    @Test
    void twoGuestsPassWithJsonAndJunitReports() throws Exception {
        Path junit = share.resolve("report.xml");
        Path h = harness(
                "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && sleep 2 && ping -c 3 10.0.2.2",
                "nic1",
                "nic2");
        VmlaunchProcess p = VmlaunchProcess.start(env(), "test", h.toString(), "--json", "--junit", junit.toString());
        int code = p.waitFor(Duration.ofMinutes(8));
        assertEquals(0, code, p.transcript());
        JsonNode r = new ObjectMapper().readTree(String.join("\n", p.stdout()));
        assertTrue(r.get("passed").asBoolean(), r.toPrettyString());
        assertEquals(2, r.get("guests").size());
        for (JsonNode g : r.get("guests")) {
            JsonNode d = g.get("devices").get(0);
            assertEquals("IR-PCI-MSI", d.get("chip").asText());
            assertTrue(d.get("fired").asInt() >= 1 && d.get("delta").asLong() >= 1, d.toString());
            assertEquals(0, g.get("workload").get("exitCode").asInt());
        }
        assertTrue(
                Files.readString(junit).contains("<testsuite name=\"vmlaunch.nic-pair\" tests=\"2\" failures=\"0\""),
                Files.readString(junit));
        assertTrue(p.stderrText().contains("booting guest nic1"), p.stderrText());
        assertNothingRunning();
    }

    @Test
    void ctrlCStopsEveryGuestAndFails() throws Exception {
        Path h = harness("sleep 300", "slow1", "slow2");
        try (VmlaunchProcess p = VmlaunchProcess.start(env(), "test", h.toString())) {
            p.awaitOutputLine("running the workload in slow2", Duration.ofMinutes(5));
            p.awaitOutputLine("running the workload in slow1", Duration.ofMinutes(1));
            p.signal("INT");
            int code = p.waitFor(Duration.ofMinutes(2));
            assertEquals(1, code, p.transcript());
            assertTrue(p.stderrText().contains("interrupted: stopping every guest"), p.transcript());
            assertTrue(String.join("\n", p.stdout()).contains("slow1: cancelled"), p.transcript());
        }
        assertNothingRunning();
    }

    /** No VMM of this test's state folder is left, and the state says so. */
    void assertNothingRunning() throws Exception {
        boolean any = ProcessHandle.allProcesses().anyMatch(ph -> ph.info()
                .commandLine()
                .map(c -> c.contains(state.toString()) && c.contains("qemu-system"))
                .orElse(false));
        assertFalse(any, "a QEMU of this test is still running");
        VmlaunchProcess list = VmlaunchProcess.run(env(), "list", "--json");
        JsonNode guests =
                new ObjectMapper().readTree(String.join("\n", list.stdout())).get("guests");
        for (JsonNode g : guests) {
            assertFalse(g.get("state").asText().equals("running"), g.toString());
        }
    }
}
