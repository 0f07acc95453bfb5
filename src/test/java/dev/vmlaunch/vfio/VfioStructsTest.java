package dev.vmlaunch.vfio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmlaunch.config.PciAddress;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The argument buffers, byte for byte as a little-endian kernel (x86_64, aarch64) reads and writes them. */
class VfioStructsTest {
    private static final HexFormat HEX = HexFormat.of();
    private final VfioStructs le = new VfioStructs(ByteOrder.LITTLE_ENDIAN);

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    @Test
    void groupStatusRequestCarriesArgszAndTheKernelsFlagsAreRead() {
        assertArrayEquals(hex("08000000 00000000"), le.groupStatusRequest());
        assertEquals(
                VfioAbi.VFIO_GROUP_FLAGS_VIABLE | VfioAbi.VFIO_GROUP_FLAGS_CONTAINER_SET,
                le.groupStatusFlags(hex("08000000 03000000")));
    }

    @Test
    void deviceInfoIsReadFromItsFieldOffsets() {
        assertArrayEquals(hex("14000000 00000000 00000000 00000000 00000000"), le.deviceInfoRequest());
        // flags PCI|RESET|CAPS, 9 regions, 5 irqs, cap_offset 0x20 (ignored).
        VfioDeviceInfo info = le.deviceInfo(hex("14000000 83000000 09000000 05000000 20000000"));
        assertEquals(new VfioDeviceInfo(0x83, 9, 5), info);
        assertEquals(true, info.pci());
        assertEquals(true, info.resettable());
    }

    @Test
    void regionInfoRequestNamesTheIndexAndTheAnswerHas64BitSizeAndOffset() {
        assertArrayEquals(
                hex("20000000 00000000 07000000 00000000 0000000000000000 0000000000000000"), le.regionInfoRequest(7));
        VfioRegionInfo bar3 =
                le.regionInfo(hex("20000000 07000000 03000000 00000000 0040000000000000 0000000003000000"));
        assertEquals(new VfioRegionInfo(3, 7, 0x4000, 0x3_0000_0000L), bar3);
        assertEquals("BAR3", bar3.pciName());
    }

    @Test
    void irqInfoRequestNamesTheIndexAndTheAnswerHasTheVectorCount() {
        assertArrayEquals(
                hex("10000000 00000000 02000000 00000000"), le.irqInfoRequest(VfioAbi.VFIO_PCI_MSIX_IRQ_INDEX));
        VfioIrqInfo msix = le.irqInfo(hex("10000000 09000000 02000000 05000000"));
        assertEquals(new VfioIrqInfo(2, VfioAbi.VFIO_IRQ_INFO_EVENTFD | VfioAbi.VFIO_IRQ_INFO_NORESIZE, 5), msix);
        assertEquals("MSI-X", msix.pciName());
    }

    @Test
    void theContainerFdIsAnS32() {
        assertArrayEquals(hex("2a000000"), le.containerFd(42));
    }

    @Test
    void theDeviceNameIsTheFullSysfsFormNulTerminated() {
        assertArrayEquals(
                "0000:00:02.0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                VfioStructs.deviceName(PciAddress.parse("00:02.0")));
    }

    @Test
    void theByteOrderIsTheOneGiven() {
        VfioStructs be = new VfioStructs(ByteOrder.BIG_ENDIAN);
        assertArrayEquals(hex("00000010 00000000 00000001 00000000"), be.irqInfoRequest(1));
        assertEquals(
                ByteOrder.nativeOrder(),
                ByteOrder.LITTLE_ENDIAN,
                "the supported hosts (x86_64, aarch64 Linux) are little-endian, as the kernel layouts here are");
    }
}
