package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.harness.GuestAgent;
import dev.vmlaunch.harness.InterruptDiff;
import dev.vmlaunch.harness.ProcInterrupts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The agent protocol inside real guests: an emulated e1000e under TCG, a workload that brings the link up and moves
 * traffic, and the device judged by the IRQs in its msi_irqs — what the harness does with a passed-through device.
 */
class AgentIT {
    @TempDir
    Path state;

    @TempDir
    Path share;

    @ParameterizedTest
    @CsvSource({"x86_64, ttyS0, IR-PCI-MSI", "aarch64, ttyAMA0, ITS-MSI"})
    void agentRunsAWorkloadAndTheNicsMsiVectorsFire(String arch, String console, String chip) throws Exception {
        String name = "agent-" + arch.replace("_", "");
        Path images = VmlaunchProcess.ROOT.resolve("test-images/out").resolve(arch);
        String kernel =
                images.resolve(arch.equals("x86_64") ? "vmlinuz" : "Image").toString();
        GuestAgent agent = GuestAgent.install(share, name);
        // x86_64 gets the intel vIOMMU so that its MSIs are remapped (IR-PCI-MSI), as in the lab.
        String viommu = arch.equals("x86_64") ? "\"viommu\":\"intel\"," : "\"viommu\":\"smmuv3\",";
        Path guest = share.resolve(name + ".json");
        Files.writeString(
                guest,
                "{\"name\":\"" + name + "\",\"vmm\":\"qemu\",\"arch\":\"" + arch + "\",\"accel\":\"tcg\","
                        + viommu + "\"cpus\":2,\"memory\":\"512M\",\"kernel\":\"" + kernel + "\",\"initrd\":\""
                        + images.resolve("initramfs.gz") + "\",\"cmdline\":\"console=" + console + " intel_iommu=on "
                        + agent.kernelArgs("work") + "\",\"shares\":[{\"path\":\"" + share + "\",\"tag\":\"work\"}],"
                        + "\"devices\":[{\"model\":\"e1000e\",\"netdev\":\"user\"}]}");
        try (VmlaunchProcess vm =
                VmlaunchProcess.start(Map.of("VMLAUNCH_STATE", state.toString()), "run", guest.toString())) {
            GuestAgent.Announcement a = agent.awaitAnnouncement(Duration.ofMinutes(4));
            assertEquals(arch, a.arch());
            assertEquals(2, a.cpus());
            List<GuestAgent.PciDevice> nics = a.find("8086", "10d3");
            assertEquals(1, nics.size(), a.devices().toString());
            assertEquals("e1000e", nics.get(0).driver());

            GuestAgent.CommandResult r = agent.run(
                    "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && sleep 2 "
                            + "&& ping -c 3 -W 2 10.0.2.2 && cat /sys/class/net/eth0/operstate",
                    Duration.ofMinutes(2));
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("3 packets received") || r.output().contains("3 received"), r.output());

            List<Integer> vectors = r.msiAfter().get(nics.get(0).address());
            assertFalse(vectors == null || vectors.isEmpty(), "the NIC has MSI vectors: " + r.msiAfter());
            InterruptDiff diff = InterruptDiff.between(
                            ProcInterrupts.parse(r.interruptsBefore()), ProcInterrupts.parse(r.interruptsAfter()))
                    .forIrqs(vectors);
            assertTrue(diff.totalDelta() > 0, "the NIC's vectors fired: " + diff.rows());
            assertTrue(
                    diff.rows().stream().allMatch(d -> d.after().chip().equals(chip)),
                    diff.rows().toString());

            agent.stop();
            vm.signal("INT");
            assertEquals(0, vm.waitFor(Duration.ofMinutes(2)), vm.transcript());
        }
    }
}
