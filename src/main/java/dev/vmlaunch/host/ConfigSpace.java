package dev.vmlaunch.host;

import java.util.Optional;

/**
 * Reads PCI configuration space bytes as sysfs {@code config} returns them. Without root the kernel returns only the
 * first 64 bytes, which hold the header type but usually not the capability list.
 */
public final class ConfigSpace {
    static final int HEADER_TYPE = 0x0e;
    static final int STATUS = 0x06;
    static final int STATUS_CAP_LIST = 0x10;
    static final int CAP_POINTER = 0x34;
    static final int CARDBUS_CAP_POINTER = 0x14;
    static final int CAP_MSI = 0x05;
    static final int CAP_MSIX = 0x11;
    static final int CAP_PM = 0x01;
    static final int CAP_PCIE = 0x10;
    static final int CAP_AF = 0x13;
    /** PCIe Device Capabilities (cap + 4), bit 28: Function Level Reset capability. */
    static final int PCIE_DEVCAP_FLR = 1 << 28;
    /** PM Control/Status (cap + 4), bit 3: No_Soft_Reset (the function keeps its state through D3hot to D0). */
    static final int PM_CTRL_NO_SOFT_RESET = 1 << 3;
    /** AF Capabilities (cap + 3), bit 1: FLR capable; bit 0: Transactions Pending (both needed for af_flr). */
    static final int AF_CAP_FLR = 1 << 1;

    static final int AF_CAP_TP = 1;

    /**
     * The reset-related bits of the capability list, as lspci -vvv prints them: DevCap "FLReset+", the PM
     * capability's "NoSoftRst+", the Advanced Features capability's "AFCap: TP+ FLR+". Each is empty when the device
     * lacks that capability.
     */
    public record ResetBits(Optional<Boolean> pcieFlr, Optional<Boolean> pmNoSoftReset, Optional<Boolean> afFlr) {
        public boolean pciExpress() {
            return pcieFlr.isPresent();
        }
    }

    /** MSI and MSI-X vector counts the device offers (0 when it lacks the capability). */
    public record MsiCounts(int msi, int msix) {
        public int max() {
            return Math.max(msi, msix);
        }
    }

    private ConfigSpace() {}

    /** The header type (0 normal, 1 bridge, 2 CardBus), without the multi-function bit; empty when too short. */
    public static Optional<Integer> headerType(byte[] config) {
        if (config == null || config.length <= HEADER_TYPE) {
            return Optional.empty();
        }
        return Optional.of(config[HEADER_TYPE] & 0x7f);
    }

    /**
     * Walks the capability list. MSI: message control bits 3:1 are log2 of the vectors it can request; MSI-X: bits
     * 10:0 are the table size minus one. Empty when the list reaches beyond the bytes we could read.
     */
    public static Optional<MsiCounts> msiCounts(byte[] config) {
        if (config == null || config.length < 64) {
            return Optional.empty();
        }
        if ((u16(config, STATUS) & STATUS_CAP_LIST) == 0) {
            return Optional.of(new MsiCounts(0, 0));
        }
        int header = config[HEADER_TYPE] & 0x7f;
        int ptr = u8(config, header == 2 ? CARDBUS_CAP_POINTER : CAP_POINTER) & 0xfc;
        int msi = 0;
        int msix = 0;
        // 48 capabilities fill the 192 bytes after the header; more means a loop in the list.
        for (int seen = 0; ptr != 0 && seen < 48; seen++) {
            if (ptr < 0x40 || ptr + 4 > config.length) {
                return Optional.empty();
            }
            int id = u8(config, ptr);
            int control = u16(config, ptr + 2);
            if (id == CAP_MSI) {
                msi = 1 << Math.min(5, (control >> 1) & 0x7); // values above 5 (32) are reserved
            } else if (id == CAP_MSIX) {
                msix = (control & 0x7ff) + 1;
            }
            ptr = u8(config, ptr + 1) & 0xfc;
        }
        return Optional.of(new MsiCounts(msi, msix));
    }

    /**
     * The reset bits, from the standard capability list (0x40..0xff). Empty when the list reaches beyond the bytes
     * we could read (a non-root user reads 64).
     */
    public static Optional<ResetBits> resetBits(byte[] config) {
        Optional<Integer> pcie = capability(config, CAP_PCIE);
        Optional<Integer> pm = capability(config, CAP_PM);
        Optional<Integer> af = capability(config, CAP_AF);
        if (!listReadable(config)) {
            return Optional.empty();
        }
        return Optional.of(new ResetBits(
                pcie.filter(at -> at + 8 <= config.length).map(at -> (u32(config, at + 4) & PCIE_DEVCAP_FLR) != 0),
                pm.filter(at -> at + 6 <= config.length).map(at -> (u16(config, at + 4) & PM_CTRL_NO_SOFT_RESET) != 0),
                af.filter(at -> at + 4 <= config.length)
                        .map(at -> (u8(config, at + 3) & (AF_CAP_FLR | AF_CAP_TP)) == (AF_CAP_FLR | AF_CAP_TP))));
    }

    /** The offset of capability {@code id}; empty when absent or when the list is not readable to its end. */
    static Optional<Integer> capability(byte[] config, int id) {
        if (config == null || config.length < 64 || (u16(config, STATUS) & STATUS_CAP_LIST) == 0) {
            return Optional.empty();
        }
        int header = config[HEADER_TYPE] & 0x7f;
        int ptr = u8(config, header == 2 ? CARDBUS_CAP_POINTER : CAP_POINTER) & 0xfc;
        for (int seen = 0; ptr != 0 && seen < 48; seen++) {
            if (ptr < 0x40 || ptr + 4 > config.length) {
                return Optional.empty();
            }
            if (u8(config, ptr) == id) {
                return Optional.of(ptr);
            }
            ptr = u8(config, ptr + 1) & 0xfc;
        }
        return Optional.empty();
    }

    /** Whether the whole capability list lies within the bytes read (so an absent capability is really absent). */
    static boolean listReadable(byte[] config) {
        return msiCounts(config).isPresent();
    }

    private static int u32(byte[] b, int at) {
        return u16(b, at) | (u16(b, at + 2) << 16);
    }

    private static int u8(byte[] b, int at) {
        return b[at] & 0xff;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | ((b[at + 1] & 0xff) << 8);
    }
}
