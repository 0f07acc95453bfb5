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

    /** GuestSpec keeps its boot in one record; spec.json, which tools read, keeps the fields where they were. */
    @Test
    void bootFieldsStayAtTheTopOfTheSpecInOrder() throws Exception {
        GuestSpec spec = GuestSpecLoader.fromJson(
                        JsonReader.parse(
                                "{\"name\": \"g\", \"vmm\": \"qemu\", \"kernel\": \"vmlinuz\", \"initrd\": \"initrd.gz\","
                                        + " \"cmdline\": \"console=ttyS0\", \"firmware\": \"bios.bin\"}",
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
        assertFalse(s.has("boot"));
        List<String> names = new java.util.ArrayList<>();
        s.fieldNames().forEachRemaining(names::add);
        assertEquals(
                List.of("memoryMiB", "kernel", "initrd", "cmdline", "firmware", "console"),
                names.subList(names.indexOf("memoryMiB"), names.indexOf("console") + 1));
    }
}
