package dev.vmlaunch.driver.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestPciAddressesTest {
    /** Trimmed from QEMU 7.2's query-pci on q35: a root port with a device behind it, and one on bus 0. */
    static final String QUERY_PCI =
            """
            [{"bus": 0, "devices": [
               {"bus": 0, "slot": 0, "function": 0, "qdev_id": "", "class_info": {"class": 1536}},
               {"bus": 0, "slot": 2, "function": 0, "qdev_id": "vml-rp0",
                "pci_bridge": {"bus": {"number": 1, "secondary": 1, "subordinate": 1},
                  "devices": [{"bus": 1, "slot": 0, "function": 1, "qdev_id": "vml-hostdev1"},
                              {"bus": 1, "slot": 0, "function": 0, "qdev_id": "vml-hostdev0"}]}},
               {"bus": 0, "slot": 16, "function": 0, "qdev_id": "vml-hostdev2"}]}]
            """;

    @Test
    void findsOurPassthroughDevicesAlsoBehindBridges() throws Exception {
        List<GuestPciAddresses.Found> found = GuestPciAddresses.fromQueryPci(new ObjectMapper().readTree(QUERY_PCI));
        assertEquals(
                List.of(
                        new GuestPciAddresses.Found("vml-hostdev1", "0000:01:00.1"),
                        new GuestPciAddresses.Found("vml-hostdev0", "0000:01:00.0"),
                        new GuestPciAddresses.Found("vml-hostdev2", "0000:00:10.0")),
                found);
    }

    @Test
    void noPciAtAllIsNoDevices() {
        assertEquals(List.of(), GuestPciAddresses.fromQueryPci(null));
    }
}
