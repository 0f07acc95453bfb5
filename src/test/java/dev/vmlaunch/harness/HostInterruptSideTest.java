package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostInterruptSideTest {
    private static final String BDF = "0000:00:05.0";

    /** Rows as a 6.1 x86 host with interrupt remapping prints them for a vfio-pci device (names: vfio_pci_intrs.c). */
    private static String host(long msix0, long msix1, long other) {
        return "            CPU0       CPU1\n"
                + "  24:  " + msix0 + "          0  IR-PCI-MSI 81920-edge      vfio-msix[0](" + BDF + ")\n"
                + "  25:  " + msix1 + "          3  IR-PCI-MSI 81921-edge      vfio-msix[1](" + BDF + ")\n"
                + "  26:          7          0  IR-PCI-MSI 98304-edge      vfio-msix[0](0000:00:06.0)\n"
                + "  27:  " + other + "          0  IR-PCI-MSI 49152-edge      virtio0-requests\n"
                + "NMI:          0          0   Non-maskable interrupts\n";
    }

    @Test
    void theRowsVfioPciRegistersAreFoundInARealLabHostsTable() throws Exception {
        String t = ProcInterrupts.readCapped(java.nio.file.Path.of(HostInterruptSideTest.class
                .getResource("/interrupts/x86_64-lab-host-vfio-attached.txt")
                .toURI()));
        HostInterruptSide attached = HostInterruptSide.of("0000:00:06.0", t, t, 26);
        assertEquals(3, attached.vectors(), attached.toString());
        assertEquals(List.of("msix"), attached.kinds());
        assertEquals(1, HostInterruptSide.of("0000:00:05.0", t, t, 1).vectors(), "the other NIC's own row only");
        assertEquals(0, HostInterruptSide.of("0000:00:02.0", t, t, 1).vectors(), "a device not on vfio-pci has none");
    }

    @Test
    void bothSidesMovedWhenTheHostsVfioHandlerTookTheInterrupts() {
        HostInterruptSide h = HostInterruptSide.of(BDF, host(10, 5, 1), host(17, 9, 900), 11);
        assertEquals(HostInterruptSide.BOTH, h.moved());
        assertEquals(2, h.vectors(), "only this device's vfio rows: not the other device's, not virtio");
        assertEquals(2, h.fired());
        assertEquals(11, h.delta());
        assertEquals(List.of("msix"), h.kinds());
        assertEquals("both 11", h.cell());
    }

    @Test
    void flatHostRowsWhileTheGuestCountedAreReportedAsDirectDeliveryNotAFailure() {
        HostInterruptSide h = HostInterruptSide.of(BDF, host(10, 5, 1), host(10, 5, 900), 42);
        assertEquals(HostInterruptSide.GUEST, h.moved());
        assertEquals(0, h.delta());
        assertEquals("flat", h.cell());
        assertTrue(h.note().contains("host vfio rows flat while the guest counted 42"), h.note());
        assertTrue(h.note().contains("posted interrupts, GICv4 direct injection, or KVM's irqfd bypass"), h.note());
        assertTrue(h.note().contains("not a failure"), h.note());
    }

    @Test
    void msiAndIntxRowsCountAndVectorsSetUpDuringTheWorkloadCountFromZero() {
        String before = "            CPU0\n  30:          4  IR-IO-APIC   11-fasteoi   vfio-intx(" + BDF + ")\n";
        String after = "            CPU0\n  30:          6  IR-IO-APIC   11-fasteoi   vfio-intx(" + BDF + ")\n"
                + "  31:          3  IR-PCI-MSI 81920-edge      vfio-msi[0](" + BDF + ")\n";
        HostInterruptSide h = HostInterruptSide.of(BDF, before, after, 5);
        assertEquals(List.of("intx", "msi"), h.kinds());
        assertEquals(2, h.vectors());
        assertEquals(5, h.delta());
        assertEquals(HostInterruptSide.BOTH, h.moved());
    }

    @Test
    void aDeviceWithoutVfioRowsOnTheHostSaysSo() {
        HostInterruptSide h = HostInterruptSide.of("0000:3b:00.0", host(1, 1, 1), host(2, 2, 2), 3);
        assertEquals(0, h.vectors());
        assertEquals(HostInterruptSide.GUEST, h.moved());
        assertEquals("no rows", h.cell());
        assertTrue(h.note().startsWith("no vfio rows for 0000:3b:00.0"), h.note());
    }

    @Test
    void anUnreadableHostTableIsUnknownNotAVerdict() {
        HostInterruptSide missing = HostInterruptSide.of(BDF, null, host(1, 1, 1), 3);
        assertNull(missing.moved());
        assertEquals("?", missing.cell());
        HostInterruptSide garbled = HostInterruptSide.of(BDF, host(1, 1, 1), "not a table\n", 3);
        assertNull(garbled.moved());
        assertTrue(garbled.note().startsWith("the host's /proc/interrupts could not be read"), garbled.note());
    }

    @Test
    void aNameThatOnlyContainsTheAddressIsNotAVfioRow() {
        String t = "            CPU0\n  40:          9  IR-PCI-MSI 1-edge      eth0-vfio-msix[0](" + BDF + ")x\n";
        assertEquals(
                0, HostInterruptSide.of(BDF, t, t.replace(" 9 ", " 99 "), 1).vectors());
    }
}
