package dev.vmlaunch.supervise;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.JsonEnum;
import dev.vmlaunch.config.PciAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code spec.json}: the guest as vmlaunch ran it (the validated spec with every default filled in and every path
 * absolute) and the exact VMM argv. For people and tools to read; nothing loads it back.
 */
final class SpecJson {
    // The shared mapper's settings, plus how spec values print: paths, PCI addresses and enums as their strings.
    private static final ObjectMapper JSON = JsonMappers.mapper()
            .copy()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule("vmlaunch-spec")
                    .addSerializer(Path.class, ToStringSerializer.instance)
                    .addSerializer(PciAddress.class, ToStringSerializer.instance)
                    .addSerializer(JsonEnum.class, new JsonSerializer<JsonEnum>() {
                        @Override
                        public void serialize(JsonEnum value, JsonGenerator gen, SerializerProvider serializers)
                                throws IOException {
                            gen.writeString(value.json());
                        }
                    }))
            .addMixIn(GuestSpec.class, FlatResources.class);

    /**
     * spec.json keeps the fields of GuestSpec's per-resource records (kernel, initrd, cmdline, firmware; disks,
     * cdrom) at the top of "spec", where tools read them.
     */
    // Jackson reads the mix-in's annotated methods by reflection; nothing calls them.
    @SuppressWarnings("UnusedMethod")
    private abstract static class FlatResources {
        @JsonUnwrapped
        abstract GuestSpec.Boot boot();

        @JsonUnwrapped
        abstract GuestSpec.Storage storage();
    }

    private SpecJson() {}

    static byte[] render(GuestSpec spec, List<String> argv) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.set("spec", JSON.valueToTree(spec));
        root.set("argv", JSON.valueToTree(argv));
        return JSON.writeValueAsBytes(root);
    }
}
