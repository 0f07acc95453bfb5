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

    /** MSI and MSI-X vector counts the device offers (0 when it lacks the capability). */
    public record MsiCounts(int msi, int msix) {
        public int max() {
            return Math.max(msi, msix);
        }
    }

    private ConfigSpace() {
    }

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

    private static int u8(byte[] b, int at) {
        return b[at] & 0xff;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | ((b[at + 1] & 0xff) << 8);
    }
}
