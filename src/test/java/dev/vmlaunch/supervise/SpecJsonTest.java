package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.drivers.VmmDrivers;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SpecJsonTest {

    /** GuestSpec keeps its boot and its storage in records of their own; spec.json, which tools read, keeps the fields where they were. */
    @Test
    void bootAndStorageFieldsStayAtTheTopOfTheSpecInOrder() throws Exception {
        GuestSpec spec = GuestSpecLoader.fromJson(
                        JsonReader.parse(
                                "{\"name\": \"g\", \"vmm\": \"qemu\", \"kernel\": \"vmlinuz\", \"initrd\": \"initrd.gz\","
                                        + " \"cmdline\": \"console=ttyS0\", \"firmware\": \"bios.bin\","
                                        + " \"disks\": [{\"path\": \"d.img\"}], \"cdrom\": \"x.iso\"}",
                                "g.json"),
                        Path.of("/guests/g.json"),
                        "g.json",
                        Optional.of(Arch.X86_64),
                        VmmDrivers::rules)
                .spec();
        JsonNode s = JsonMappers.mapper()
                .readTree(SpecJson.render(spec, List.of("qemu")))
                .get("spec");
        assertEquals("/guests/vmlinuz", s.get("kernel").asText());
        assertEquals("/guests/initrd.gz", s.get("initrd").asText());
        assertEquals("console=ttyS0", s.get("cmdline").asText());
        assertEquals("/guests/bios.bin", s.get("firmware").get("code").asText());
        assertEquals("/guests/d.img", s.get("disks").get(0).get("path").asText());
        assertEquals("/guests/x.iso", s.get("cdrom").asText());
        assertFalse(s.has("boot"));
        assertFalse(s.has("storage"));
        List<String> names = new java.util.ArrayList<>();
        s.fieldNames().forEachRemaining(names::add);
        assertEquals(
                List.of("memoryMiB", "kernel", "initrd", "cmdline", "firmware", "console"),
                names.subList(names.indexOf("memoryMiB"), names.indexOf("console") + 1));
        assertEquals(
                List.of("vga", "disks", "cdrom", "shares"),
                names.subList(names.indexOf("vga"), names.indexOf("shares") + 1));
    }
}
