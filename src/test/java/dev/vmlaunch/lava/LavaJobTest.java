package dev.vmlaunch.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.JvmFlags;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.harness.HarnessLoader;
import dev.vmlaunch.harness.HarnessSpec;
import dev.vmlaunch.lab.LabHostDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LavaJobTest {
    @TempDir
    Path dir;

    Path images;
    Path harnessFile;
    Path jar;
    final Path java = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    @BeforeEach
    void files() throws Exception {
        images = Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(images.resolve("x86_64"));
        Files.writeString(images.resolve("x86_64/vmlinuz"), "k");
        Files.writeString(images.resolve("x86_64/initramfs.gz"), "i");
        jar = Files.createDirectories(dir.resolve("target")).resolve("vmlaunch.jar");
        Files.writeString(jar, "");
        Path h = Files.createDirectories(dir.resolve("h"));
        Files.createDirectories(h.resolve("share"));
        Files.writeString(
                h.resolve("virt1.json"),
                "{\"name\":\"virt1\",\"vmm\":\"qemu\",\"arch\":\"x86_64\",\"accel\":\"tcg\","
                        + "\"kernel\":\"" + images.resolve("x86_64/vmlinuz")
                        + "\",\"shares\":[{\"path\":\"share\",\"tag\":\"hostshare\"}],"
                        + "\"passthrough\":[{\"host\":\"0000:00:05.0\",\"managed\":true}]}");
        harnessFile = h.resolve("harness.json");
        Files.writeString(
                harnessFile,
                "{\"name\":\"lab\",\"guests\":[\"virt1.json\"],\"share\":\"hostshare\","
                        + "\"workload\":\"true\",\"bootTimeout\":600,\"workloadTimeout\":120}");
    }

    private LavaQemuHost labHost() {
        return LavaQemuHost.of(LabHostDefinition.x86(images, harnessFile.getParent(), java, jar));
    }

    private JsonNode yamlRoundTrip(ObjectNode job) throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(LavaJob.yaml(job));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theLabHostKeepsItsMachineButLeavesConsoleSocketsAndKernelToLava() {
        LavaQemuHost host = labHost();
        assertEquals("x86_64", host.arch());
        assertEquals(4096, host.memoryMiB());
        List<String> extra = host.extraOptions();
        assertTrue(
                extra.contains("-machine q35,kernel-irqchip=split") && extra.contains("-accel tcg"), extra.toString());
        for (String o : extra) {
            assertTrue(
                    !o.startsWith("-chardev")
                            && !o.startsWith("-serial")
                            && !o.startsWith("-mon ")
                            && !o.startsWith("-kernel")
                            && !o.startsWith("-m ")
                            && !o.equals("-nodefaults"),
                    o);
        }
        int iommu = extra.indexOf("-device intel-iommu,intremap=on,caching-mode=on");
        int nic = extra.indexOf("-device e1000e,id=labnic0,netdev=vml-nd0,addr=0x5");
        int firstShare = extra.stream()
                .filter(o -> o.startsWith("-device virtio-9p-pci"))
                .findFirst()
                .map(extra::indexOf)
                .orElseThrow();
        assertTrue(
                iommu >= 0 && iommu < nic && nic < firstShare,
                "vIOMMU, then the NICs' fixed slots, then the 9p devices: " + extra);
        assertEquals(
                "console=ttyS0 intel_iommu=on no_timer_check vmlaunch.modules=kvm kvm_amd.npt=0", host.kernelArgs());
    }

    @Test
    void theLabHostJobDeploysTheTestImageWithLavasOverlayInItsInitramfsAndRunsVmlaunchAtTheSamePaths()
            throws Exception {
        HarnessSpec h = HarnessLoader.load(harnessFile).spec();
        JsonNode job = yamlRoundTrip(LavaJob.qemuLabHost(h, labHost(), java, jar));
        assertEquals("qemu", job.get("device_type").asText());
        assertTrue(job.at("/context/no_kvm").asBoolean());
        JsonNode actions = job.get("actions");
        assertEquals(
                List.of("deploy", "boot", "test"),
                List.of(
                        actions.get(0).fieldNames().next(),
                        actions.get(1).fieldNames().next(),
                        actions.get(2).fieldNames().next()));
        JsonNode initrd = actions.get(0).at("/deploy/images/initrd");
        assertEquals("cpio.newc", initrd.get("format").asText());
        assertTrue(initrd.at("/overlays/lava").asBoolean());
        assertEquals(
                images.resolve("x86_64/initramfs.gz").toUri().toString(),
                initrd.get("url").asText());
        assertEquals(
                "-kernel {kernel} -append \"console=ttyS0 intel_iommu=on no_timer_check vmlaunch.modules=kvm kvm_amd.npt=0\"",
                actions.get(0).at("/deploy/images/kernel/image_arg").asText());
        assertEquals("qemu", actions.get(1).at("/boot/method").asText());
        JsonNode def = actions.get(2).at("/test/definitions/0");
        assertEquals("inline", def.get("from").asText());
        List<String> steps = texts(def.at("/repository/run/steps"));
        assertTrue(steps.get(0).contains("hostroot /newroot"), steps.toString());
        String share = harnessFile.getParent().toString();
        assertTrue(
                steps.contains("mkdir -p /mnt/vmlaunch-9p/lab /newroot" + share + " && mount -t 9p -o "
                        + "trans=virtio,version=9p2000.L,msize=512000 lab /mnt/vmlaunch-9p/lab && mount -t tmpfs -o mode=0755 tmpfs "
                        + "/newroot" + share + " && cp -a /mnt/vmlaunch-9p/lab/. /newroot" + share + "/"),
                steps.toString());
        assertEquals(
                "lava-test-case vmlaunch-exit --shell chroot /newroot /usr/bin/env -i HOME=/root LANG=C.UTF-8 "
                        + "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin " + java
                        + " " + String.join(" ", JvmFlags.cli()) + " -jar " + jar + " test --lava " + harnessFile,
                steps.get(steps.size() - 1));
        assertEquals(
                600 / 60 + 120 / 60 + 5,
                actions.get(2).at("/test/timeout/minutes").asInt());
    }

    @Test
    void pathsLavaWouldSplitAreRefusedAsUsageErrors() throws Exception {
        Path spaced = Files.createDirectories(dir.resolve("with space"));
        Files.writeString(spaced.resolve("vmlaunch.jar"), "");
        HarnessSpec h = HarnessLoader.load(harnessFile).spec();
        VmlaunchException e = assertThrows(
                VmlaunchException.class,
                () -> LavaQemuHost.of(
                        LabHostDefinition.x86(images, harnessFile.getParent(), java, spaced.resolve("vmlaunch.jar"))));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("LAVA splits on blanks"), e.getMessage());
        VmlaunchException s = assertThrows(
                VmlaunchException.class, () -> LavaJob.board("juno", h, Path.of("/srv/it's/harness.json")));
        assertEquals(ExitCodes.USAGE, s.exitCode());
    }

    @Test
    void aGuestWithoutKernelCannotBeALavaQemuHost() throws Exception {
        String json = "{\"name\":\"disk-only\",\"vmm\":\"qemu\",\"arch\":\"x86_64\",\"accel\":\"tcg\"}";
        GuestSpec g = GuestSpecLoader.fromJson(
                        JsonReader.parse(json, "g.json"),
                        dir.resolve("g.json"),
                        "g.json",
                        Arch.host(),
                        VmmDrivers::rules)
                .spec();
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> LavaQemuHost.of(g));
        assertEquals(ExitCodes.USAGE, e.exitCode());
    }

    @Test
    void boardTemplatesRunVmlaunchFromPathAndMarkEveryUrlToReplace() throws Exception {
        HarnessSpec h = HarnessLoader.load(harnessFile).spec();
        for (String type : List.of("juno-r2", "fvp")) {
            String yaml = LavaJob.yaml(LavaJob.board(type, h, harnessFile));
            JsonNode job = new ObjectMapper(new YAMLFactory()).readTree(yaml);
            assertEquals(type, job.get("device_type").asText());
            JsonNode test = job.get("actions").get(2).get("test");
            assertEquals(
                    "lava-test-case vmlaunch-exit --shell vmlaunch test --lava " + harnessFile,
                    test.at("/definitions/0/repository/run/steps/0").asText());
            List<String> urls = job.findValuesAsText("url");
            assertTrue(
                    !urls.isEmpty() && urls.stream().allMatch(u -> u.startsWith("https://example.invalid/CHANGE-ME/")),
                    urls.toString());
        }
    }
}
