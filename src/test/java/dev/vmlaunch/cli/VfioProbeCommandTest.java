package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.vfio.VfioAbi;
import dev.vmlaunch.vfio.VfioDeviceInfo;
import dev.vmlaunch.vfio.VfioIommuType;
import dev.vmlaunch.vfio.VfioIrqInfo;
import dev.vmlaunch.vfio.VfioRegionInfo;
import dev.vmlaunch.vfio.VfioReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VfioProbeCommandTest {

    @Test
    void aMalformedDeviceAddressIsAUsageErrorBeforeAnythingIsOpened() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Main.execute(new String[] {"vfio-probe", "3", "00:02"}, new PrintWriter(out), new PrintWriter(err));

        assertEquals(2, code);
        assertTrue(err.toString().startsWith("vmlaunch: not a PCI address: '00:02'"), err.toString());
    }

    @Test
    void theCommandIsHiddenFromTheMainHelp() {
        StringWriter out = new StringWriter();

        Main.execute(new String[] {"--help"}, new PrintWriter(out), new PrintWriter(new StringWriter()));

        assertTrue(!out.toString().contains("vfio-probe"), out.toString());
    }

    @Test
    void theTextReportShowsVectorCountsAndOnlyImplementedRegions() {
        VfioReport r = new VfioReport(
                1,
                PciAddress.parse("00:01.0"),
                0,
                Set.of(VfioIommuType.TYPE1, VfioIommuType.TYPE1v2),
                VfioIommuType.TYPE1v2,
                VfioAbi.VFIO_GROUP_FLAGS_VIABLE,
                new VfioDeviceInfo(3, 9, 5),
                List.of(new VfioRegionInfo(0, 7, 0x20000, 0), new VfioRegionInfo(4, 0, 0, 4L << 40)),
                List.of(new VfioIrqInfo(1, 9, 1), new VfioIrqInfo(2, 9, 5)));
        StringWriter out = new StringWriter();

        VfioProbeCommand.printText(r, new PrintWriter(out, true));

        String text = out.toString();
        assertTrue(text.contains("IOMMU models [TYPE1v2, TYPE1]; using TYPE1v2"), text);
        assertTrue(text.contains("device flags 0x3 [PCI, RESET]; 9 regions, 5 IRQ indexes"), text);
        assertTrue(text.contains("region BAR0   size 0x20000 offset 0x0 read write mmap"), text);
        assertTrue(!text.contains("BAR4"), text);
        assertTrue(text.contains("MSI vectors 1, MSI-X vectors 5"), text);
    }
}
