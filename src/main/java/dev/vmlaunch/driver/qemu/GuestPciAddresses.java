package dev.vmlaunch.driver.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the passthrough devices sit inside the guest, from QMP {@code query-pci}: vmlaunch names them
 * {@code vml-hostdevN} (see QemuCommand); the guest-side bus number is the one the guest's firmware or kernel
 * programmed into the bridge above, so it reads 0 until the guest has enumerated its buses.
 */
public final class GuestPciAddresses {

    /** One passthrough device: its qdev id and guest address ({@code 0000:01:00.0}). */
    public record Found(String id, String guestAddress) {}

    private GuestPciAddresses() {}

    public static List<Found> fromQueryPci(JsonNode queryPci) {
        List<Found> out = new ArrayList<>();
        if (queryPci != null && queryPci.isArray()) {
            for (JsonNode bus : queryPci) {
                walk(bus.path("devices"), out);
            }
        }
        return out;
    }

    private static void walk(JsonNode devices, List<Found> out) {
        if (!devices.isArray()) {
            return;
        }
        for (JsonNode d : devices) {
            String id = d.path("qdev_id").asText("");
            if (id.startsWith("vml-hostdev") || id.startsWith("vml-hot-")) {
                out.add(new Found(
                        id,
                        String.format(
                                "0000:%02x:%02x.%x",
                                d.path("bus").asInt(),
                                d.path("slot").asInt(),
                                d.path("function").asInt())));
            }
            walk(d.path("pci_bridge").path("devices"), out);
        }
    }
}
