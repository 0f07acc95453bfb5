package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmlaunch.host.DeviceSamples;
import dev.vmlaunch.host.FakeSysfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar's check and run against a host tree (VMLAUNCH_SYSFS / _PROC / _DEV) holding the GTX 1080 sample
 * whose BAR 1 the boot framebuffer holds: check --json says so with its evidence and fix and exits 3, run refuses
 * before anything starts.
 */
class DiagnosisCheckIT {
    @TempDir
    Path tmp;

    @Test
    void aBootFramebufferInABarFailsCheckWithEvidenceAndRunStartsNothing() throws Exception {
        FakeSysfs fs = new FakeSysfs(tmp.resolve("sys"));
        DeviceSamples.install(fs, "0000:04:00.0", "gtx1080-bootfb")
                .driver("nvidia")
                .group(3);
        Path proc = tmp.resolve("proc");
        DeviceSamples.iomem(proc, "gtx1080-bootfb", "iomem");
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("self/mountinfo"), "");
        Files.writeString(proc.resolve("swaps"), "Filename\tType\tSize\tUsed\tPriority\n");
        Files.writeString(proc.resolve("interrupts"), "  0:   44   0  IR-IO-APIC    2-edge      timer\n");
        Files.writeString(
                proc.resolve("self/limits"),
                "Max locked memory         unlimited            unlimited            bytes\n");
        Path dev = Files.createDirectories(tmp.resolve("dev"));
        Path guest = tmp.resolve("gpu.json");
        Files.writeString(
                guest,
                "{\"name\": \"gpu\", \"vmm\": \"qemu\", \"accel\": \"tcg\", \"memory\": 512, "
                        + "\"passthrough\": [{\"host\": \"04:00.0\"}]}");
        Map<String, String> env = Map.of(
                "VMLAUNCH_SYSFS",
                fs.root().toString(),
                "VMLAUNCH_PROC",
                proc.toString(),
                "VMLAUNCH_DEV",
                dev.toString(),
                "VMLAUNCH_STATE",
                tmp.resolve("state").toString());

        VmlaunchProcess check = VmlaunchProcess.run(env, "check", "--json", guest.toString());
        assertEquals(3, check.exitCode(), check.transcript());
        JsonNode r = new ObjectMapper().readTree(String.join("\n", check.stdout()));
        assertFalse(r.get("ready").asBoolean());
        JsonNode fb = null;
        for (JsonNode v : r.get("verdicts")) {
            if (v.get("id").asText().equals("boot-framebuffer")) {
                fb = v;
            }
        }
        assertTrue(fb != null, r.toPrettyString());
        assertEquals("fail", fb.get("status").asText());
        assertEquals("0000:04:00.0", fb.get("device").asText());
        assertEquals(
                proc.resolve("iomem") + ": e0000000-e07e8fff : BOOTFB",
                fb.get("evidence").get(0).asText());
        assertTrue(fb.get("remedy").asText().contains("video=efifb:off"), fb.toString());
        boolean asProblem = false;
        for (JsonNode p : r.get("problems")) {
            asProblem |= p.get("severity").asText().equals("error")
                    && p.get("message").asText().contains("BOOTFB");
        }
        assertTrue(asProblem, r.toPrettyString());

        VmlaunchProcess text = VmlaunchProcess.run(env, "check", guest.toString());
        assertEquals(3, text.exitCode(), text.transcript());
        assertTrue(text.stderrText().contains("the boot framebuffer \"BOOTFB\" holds its BAR 1"), text.transcript());
        // Its only reset is the bus: a warning with the evidence, in the summary under the device.
        assertTrue(
                String.join("\n", text.stdout()).contains("  WARN reset: only a secondary bus reset"),
                text.transcript());

        VmlaunchProcess run = VmlaunchProcess.run(env, "run", "-d", guest.toString());
        assertEquals(3, run.exitCode(), run.transcript());
        assertFalse(Files.exists(tmp.resolve("state/gpu/state.json")), "nothing started");
        assertTrue(
                Files.readString(fs.dir("0000:04:00.0").resolve("driver_override"))
                        .contains("(null)"),
                "the GPU was not taken from nvidia");
    }
}
