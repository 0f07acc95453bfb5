package dev.vmlaunch.vmm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.JsonMappers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a libvirt domain can only say in the qemu namespace: raw arguments ({@code <qemu:commandline>}) and device
 * property overrides ({@code <qemu:override>}, libvirt 8.2+). libvirt validates neither; the export warns about
 * each use. Both are appended to the domain only when something was added.
 */
final class LibvirtQemuNamespace {
    static final String NS = "http://libvirt.org/schemas/domain/qemu/1.0";
    static final String PREFIX = "qemu";

    private final List<String> args = new ArrayList<>();
    /** Device alias → (property → typed value), in insertion order. */
    private final Map<String, Map<String, Property>> overrides = new LinkedHashMap<>();

    /** One {@code <qemu:property>}: {@code type} is bool, signed, unsigned or string, as libvirt's schema allows. */
    record Property(String type, String value) {
        /** Types a qemu option value the way qemu's option parser would read it. */
        static Property inferred(String text) {
            switch (text) {
                case "on", "true", "yes" -> {
                    return new Property("bool", "true");
                }
                case "off", "false", "no" -> {
                    return new Property("bool", "false");
                }
                default -> {
                    if (text.matches("-[0-9]{1,18}")) {
                        return new Property("signed", text);
                    }
                    if (text.matches("[0-9]{1,19}")) {
                        return new Property("unsigned", text);
                    }
                    return new Property("string", text);
                }
            }
        }
    }

    void arg(String value) {
        args.add(value);
    }

    void override(String alias, String property, Property value) {
        overrides.computeIfAbsent(alias, a -> new LinkedHashMap<>()).put(property, value);
    }

    /** Appends {@code <qemu:commandline>} and {@code <qemu:override>} to {@code domain} as needed. */
    void appendTo(XmlElement domain) {
        if (!args.isEmpty()) {
            XmlElement cmd = domain.add(XmlElement.of(NS, PREFIX, "commandline"));
            args.forEach(a -> cmd.addSameNs("arg").attr("value", a));
        }
        if (!overrides.isEmpty()) {
            XmlElement ov = domain.add(XmlElement.of(NS, PREFIX, "override"));
            overrides.forEach((alias, props) -> {
                XmlElement frontend =
                        ov.addSameNs("device").attr("alias", alias).addSameNs("frontend");
                props.forEach((name, p) -> frontend.addSameNs("property")
                        .attr("name", name)
                        .attr("type", p.type())
                        .attr("value", p.value()));
            });
        }
    }

    /**
     * {@code -device} in qemu's JSON form. qemu creates every keyval {@code -device} before the JSON ones libvirt
     * writes, so a keyval device without {@code addr=} takes the PCI slot libvirt assigned to its own device and
     * the guest fails to start; JSON devices are created after libvirt's, in the slots left free. JSON is typed,
     * so property values are typed as {@link Property#inferred} reads them.
     */
    static String deviceJson(String model, String id, Map<String, String> props) {
        ObjectNode o = JsonMappers.object();
        o.put("driver", model);
        if (id != null) {
            o.put("id", id);
        }
        props.forEach((k, v) -> {
            Property p = Property.inferred(v);
            switch (p.type()) {
                case "bool" -> o.put(k, Boolean.parseBoolean(p.value()));
                case "signed", "unsigned" -> o.put(k, new java.math.BigInteger(p.value()));
                default -> o.put(k, p.value());
            }
        });
        try {
            return JsonMappers.mapper().writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON object of strings", e);
        }
    }
}
