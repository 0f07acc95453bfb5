package dev.vmlaunch.host;

import java.util.Map;

/** Names of PCI base classes and subclasses (PCI Code and ID Assignment spec), used when pci.ids is missing. */
final class PciClassNames {
    private static final Map<Integer, String> BASE = Map.ofEntries(
            Map.entry(0x00, "Unclassified device"),
            Map.entry(0x01, "Mass storage controller"),
            Map.entry(0x02, "Network controller"),
            Map.entry(0x03, "Display controller"),
            Map.entry(0x04, "Multimedia controller"),
            Map.entry(0x05, "Memory controller"),
            Map.entry(0x06, "Bridge"),
            Map.entry(0x07, "Communication controller"),
            Map.entry(0x08, "Generic system peripheral"),
            Map.entry(0x09, "Input device controller"),
            Map.entry(0x0a, "Docking station"),
            Map.entry(0x0b, "Processor"),
            Map.entry(0x0c, "Serial bus controller"),
            Map.entry(0x0d, "Wireless controller"),
            Map.entry(0x0e, "Intelligent controller"),
            Map.entry(0x0f, "Satellite communications controller"),
            Map.entry(0x10, "Encryption controller"),
            Map.entry(0x11, "Signal processing controller"),
            Map.entry(0x12, "Processing accelerators"),
            Map.entry(0x13, "Non-Essential Instrumentation"),
            Map.entry(0x40, "Coprocessor"),
            Map.entry(0xff, "Unassigned class"));

    private static final Map<Integer, String> SUB = Map.ofEntries(
            Map.entry(0x0100, "SCSI storage controller"),
            Map.entry(0x0101, "IDE interface"),
            Map.entry(0x0104, "RAID bus controller"),
            Map.entry(0x0106, "SATA controller"),
            Map.entry(0x0107, "Serial Attached SCSI controller"),
            Map.entry(0x0108, "Non-Volatile memory controller"),
            Map.entry(0x0180, "Mass storage controller"),
            Map.entry(0x0200, "Ethernet controller"),
            Map.entry(0x0207, "Infiniband controller"),
            Map.entry(0x0280, "Network controller"),
            Map.entry(0x0300, "VGA compatible controller"),
            Map.entry(0x0302, "3D controller"),
            Map.entry(0x0380, "Display controller"),
            Map.entry(0x0401, "Multimedia audio controller"),
            Map.entry(0x0403, "Audio device"),
            Map.entry(0x0480, "Multimedia controller"),
            Map.entry(0x0500, "RAM memory"),
            Map.entry(0x0600, "Host bridge"),
            Map.entry(0x0601, "ISA bridge"),
            Map.entry(0x0604, "PCI bridge"),
            Map.entry(0x0609, "PCI bridge"),
            Map.entry(0x0680, "Bridge"),
            Map.entry(0x0700, "Serial controller"),
            Map.entry(0x0780, "Communication controller"),
            Map.entry(0x0806, "IOMMU"),
            Map.entry(0x0880, "System peripheral"),
            Map.entry(0x0c03, "USB controller"),
            Map.entry(0x0c05, "SMBus"),
            Map.entry(0x0d80, "Network controller"),
            Map.entry(0x1080, "Encryption controller"),
            Map.entry(0x1180, "Signal processing controller"),
            Map.entry(0x1200, "Processing accelerators"),
            Map.entry(0xff00, "Unassigned class"));

    private PciClassNames() {}

    /** The name of a 16-bit base+subclass code, e.g. 0x0300 → "VGA compatible controller". */
    static String name(int baseAndSub) {
        String s = SUB.get(baseAndSub);
        if (s != null) {
            return s;
        }
        String b = BASE.get(baseAndSub >> 8);
        return b != null ? b : "Class " + String.format("%04x", baseAndSub);
    }
}
