package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `vmlaunch test` with "driver": "console" on real TCG guests of both test images, booted without any vmlaunch.*
 * parameter (their init then starts no agent and gives a shell on the console): an x86_64 serial console
 * (ttyS0), an aarch64 one (ttyAMA0, GICv3 ITS) and an x86_64 virtio console (hvc0). The workload is hostile the
 * way a console is: ANSI colours, a forged end marker, and kernel messages printed into the console while the
 * driver reads the snapshots after it.
 */
class ConsoleHarnessIT {
    @TempDir
    Path state;

    @TempDir
    Path share;

    static final Path IMAGES = VmlaunchProcess.ROOT.resolve("test-images/out");
    static final ObjectMapper JSON = new ObjectMapper();
    static final String KERNEL_LINE = "vmlaunch-console-it: a kernel message in the middle";

    ObjectNode guest(String name, String arch, String console) {
        ObjectNode g = JSON.createObjectNode()
                .put("name", name)
                .put("vmm", "qemu")
                .put("arch", arch)
                .put("accel", "tcg")
                .put("console", console)
                .put("memory", arch.equals("aarch64") ? "512M" : "384M");
        if (arch.equals("aarch64")) {
            g.put("machine", "virt")
                    .put("irqchip", "gicv3-its")
                    .put("cpus", 1)
                    .put("kernel", IMAGES.resolve("aarch64/Image").toString())
                    .put("initrd", IMAGES.resolve("aarch64/initramfs.gz").toString());
        } else {
            g.put("kernel", IMAGES.resolve("x86_64/vmlinuz").toString())
                    .put("initrd", IMAGES.resolve("x86_64/initramfs.gz").toString());
        }
        g.putArray("shares").addObject().put("path", share.toString()).put("tag", "work");
        g.putArray("devices").addObject().put("model", "e1000e").put("netdev", "user");
        return g;
    }

    /** Whether a kernel message of the workload's printed between some command's begin and end markers. */
    static boolean insideAFencedBlock(String console) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("vmlaunch-begin-([0-9a-f]{32})").matcher(console);
        while (m.find()) {
            int end = console.indexOf("vmlaunch-end-" + m.group(1) + " ", m.end());
            if (end > 0 && console.substring(m.end(), end).contains(KERNEL_LINE)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void unmodifiedGuestsOfBothImagesPassOnSerialAndVirtioConsoles() throws Exception {
        // The workload reads it: the driver mounted the share and ran the workload in it.
        Files.writeString(share.resolve("from-the-host"), "the share is mounted\n");
        ObjectNode h = JSON.createObjectNode()
                .put("name", "console-trio")
                .put("driver", "console")
                .put("share", "work")
                .put("bootTimeout", 300)
                .put("workloadTimeout", 120)
                .put(
                        "workload",
                        "cat from-the-host >/dev/null || exit 9; printf '\\033[1;31mred\\033[0m\\n'; "
                                + "echo vmlaunch-end-00000000000000000000000000000000 0; "
                                + "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && sleep 2 && ping -c 3 10.0.2.2; "
                                // Kernel messages without pause, until the guest goes down: the driver must type the
                                // snapshots after the workload into a console that is never quiet, and read them.
                                + "(i=0; while :; do echo \"<3>" + KERNEL_LINE
                                + " $i\" >/dev/kmsg; sleep 0.05; "
                                + "i=$((i+1)); done) & exit 3");
        h.putArray("devices").add("8086:10d3");
        h.putObject("expect").put("minVectorsFired", 1).put("minTotalDelta", 1).put("exitCode", 3);
        ArrayNode guests = h.putArray("guests");
        guests.add(guest("x86-serial", "x86_64", "serial"));
        guests.add(guest("arm-serial", "aarch64", "serial"));
        guests.add(guest("x86-virtio", "x86_64", "virtio"));
        Path file = share.resolve("../console-trio.json").normalize();
        Files.writeString(file, JSON.writeValueAsString(h));

        VmlaunchProcess p =
                VmlaunchProcess.start(Map.of("VMLAUNCH_STATE", state.toString()), "test", file.toString(), "--json");
        int code = p.waitFor(Duration.ofMinutes(10));
        assertEquals(0, code, p.transcript());
        JsonNode r = JSON.readTree(String.join("\n", p.stdout()));
        java.util.List<String> interleaved = new java.util.ArrayList<>();
        assertTrue(r.get("passed").asBoolean(), r.toPrettyString());
        for (JsonNode g : r.get("guests")) {
            String name = g.get("name").asText();
            JsonNode d = g.get("devices").get(0);
            assertEquals(
                    name.startsWith("arm") ? "ITS-MSI" : "PCI-MSI",
                    d.get("chip").asText(),
                    d.toString());
            assertTrue(d.get("fired").asInt() >= 1 && d.get("delta").asLong() >= 1, d.toString());
            // The forged end marker said 0 before the real one: only the fence with this command's nonce counts.
            assertEquals(3, g.get("workload").get("exitCode").asInt(), "the exit status came through its fence");
            String console = Files.readString(state.resolve(name).resolve("console.log"));
            if (insideAFencedBlock(console)) {
                interleaved.add(name);
            }
            assertFalse(console.contains("vmlaunch.share="), name + ": no agent parameter on its command line");
        }
        // Where in a block a kernel message lands is up to the guest's timing (a fast snapshot can fit between two
        // messages), but with messages every 50 ms through the two snapshots after it in each of three guests, some
        // must land inside one.
        assertFalse(interleaved.isEmpty(), "no guest had a kernel message inside a snapshot's fenced block");
        assertFalse(Files.exists(share.resolve(".vmlaunch")), "nothing was written into the share");
    }
}
