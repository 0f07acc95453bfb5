package dev.vmlaunch.driver.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The root ports a guest reserved for hotplug ({@code hotplugSlots}: {@code vml-hp0..N-1}), as QEMU reports them in
 * {@code query-pci}: QEMU is asked rather than trusting a record, so a slot filled by hand (a {@code device_add}
 * outside vmlaunch) or one whose device has not gone yet is not handed out twice.
 */
public final class HotplugSlots {
    private static final Pattern SLOT_ID = Pattern.compile("vml-hp(\\d{1,2})");

    /** One reserved root port and the ids of the devices behind it (empty: free). */
    public record Slot(String id, int index, List<String> devices) {
        public boolean free() {
            return devices.isEmpty();
        }
    }

    private HotplugSlots() {}

    /** {@code vml-hp0 free}, or {@code vml-hp1 holds vml-hot-0000-00-05-0}. */
    public static String describe(Slot s) {
        return s.id() + (s.free() ? " free" : " holds " + String.join(" ", s.devices()));
    }

    /** The reserved root ports, in index order. */
    public static List<Slot> fromQueryPci(JsonNode queryPci) {
        List<Slot> out = new ArrayList<>();
        if (queryPci != null && queryPci.isArray()) {
            for (JsonNode bus : queryPci) {
                walk(bus.path("devices"), out);
            }
        }
        out.sort(Comparator.comparingInt(Slot::index));
        return out;
    }

    private static void walk(JsonNode devices, List<Slot> out) {
        if (!devices.isArray()) {
            return;
        }
        for (JsonNode d : devices) {
            JsonNode bridge = d.path("pci_bridge");
            Matcher m = SLOT_ID.matcher(d.path("qdev_id").asText(""));
            if (m.matches() && bridge.isObject()) {
                List<String> behind = new ArrayList<>();
                for (JsonNode child : bridge.path("devices")) {
                    String id = child.path("qdev_id").asText("");
                    behind.add(
                            id.isEmpty()
                                    ? String.format(
                                            "%02x.%x",
                                            child.path("slot").asInt(),
                                            child.path("function").asInt())
                                    : id);
                }
                out.add(new Slot(m.group(), Integer.parseInt(m.group(1)), List.copyOf(behind)));
            }
            walk(bridge.path("devices"), out);
        }
    }
}
