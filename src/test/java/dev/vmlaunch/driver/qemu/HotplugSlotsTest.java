package dev.vmlaunch.driver.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmlaunch.supervise.AttachedDevices;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class HotplugSlotsTest {

    /**
     * query-pci of QEMU 7.2 (Debian 1:7.2+dfsg-7+deb12u18) for {@code -M q35} with a passthrough port vml-rp0 and two
     * hotplug ports, after {@code device_add e1000e,bus=vml-hp1,addr=0,id=vml-hot-0000-00-05-0}.
     */
    private static JsonNode realQueryPci() throws Exception {
        try (InputStream in = HotplugSlotsTest.class.getResourceAsStream("/qmp/query-pci-q35-hotplug-slots.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void reservedPortsAreFoundWithWhatSitsBehindThem() throws Exception {
        List<HotplugSlots.Slot> slots = HotplugSlots.fromQueryPci(realQueryPci());
        assertEquals(
                List.of("vml-hp0", "vml-hp1"),
                slots.stream().map(HotplugSlots.Slot::id).toList(),
                "the passthrough port vml-rp0 is not a hotplug slot");
        assertTrue(slots.get(0).free());
        assertFalse(slots.get(1).free());
        assertEquals(List.of("vml-hot-0000-00-05-0"), slots.get(1).devices());
        assertEquals("vml-hp1 holds vml-hot-0000-00-05-0", HotplugSlots.describe(slots.get(1)));
    }

    @Test
    void aGuestWithoutReservedPortsHasNoSlots() throws Exception {
        ObjectMapper m = new ObjectMapper();
        assertTrue(HotplugSlots.fromQueryPci(m.readTree("[{\"bus\":0,\"devices\":[{\"bus\":0,\"slot\":1,"
                        + "\"function\":0,\"qdev_id\":\"vml-rp0\",\"pci_bridge\":{\"devices\":[]}}]}]"))
                .isEmpty());
        assertTrue(HotplugSlots.fromQueryPci(null).isEmpty());
        // A device merely named like a slot, without a bridge behind it, is no slot.
        assertTrue(HotplugSlots.fromQueryPci(m.readTree("[{\"bus\":0,\"devices\":[{\"qdev_id\":\"vml-hp0\"}]}]"))
                .isEmpty());
    }

    @Test
    void anEndpointNamesTheWholeAttachItCameWith() {
        AttachedDevices a = AttachedDevices.NONE
                .plus(new AttachedDevices.Attached(
                        "0000:01:00.0", "vml-hot-0000-01-00-0", "vml-hp0", true, "0000:01:00.0", "t", null))
                .plus(new AttachedDevices.Attached(
                        "0000:01:00.1", "vml-hot-0000-01-00-1", "vml-hp1", true, "0000:01:00.0", "t", null))
                .plus(new AttachedDevices.Attached(
                        "0000:02:00.0", "vml-hot-0000-02-00-0", "vml-hp2", false, "0000:02:00.0", "t", null));
        assertEquals(
                List.of("0000:01:00.0", "0000:01:00.1"),
                a.batchOf("0000:01:00.1").stream()
                        .map(AttachedDevices.Attached::host)
                        .toList());
        assertEquals(1, a.batchOf("0000:02:00.0").size());
        assertTrue(a.batchOf("0000:03:00.0").isEmpty());
        assertEquals(java.util.Set.of("vml-hp0", "vml-hp1", "vml-hp2"), a.slotsInUse());
        assertEquals(2, a.without(a.attached().get(0)).attached().size());
        assertEquals(
                true,
                a.withUnplugRequested(a.attached().get(2)).attached().get(2).unplugRequested());
    }
}
