package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSpaceTest {
    @TempDir
    Path tmp;

    private Optional<ConfigSpace.MsiCounts> counts(int size, int msi, int msix) {
        FakeSysfs fs = new FakeSysfs(tmp);
        fs.device("0000:19:00.0").config(size, msi, msix);
        return ConfigSpace.msiCounts(new Sysfs(fs.root()).config(PciAddress.parse("19:00.0")));
    }

    @Test
    void readsMsiMultipleMessageCapableAndMsixTableSize() {
        assertEquals(Optional.of(new ConfigSpace.MsiCounts(32, 0)), counts(256, 32, 0));
        assertEquals(Optional.of(new ConfigSpace.MsiCounts(1, 2048)), counts(256, 1, 2048));
        assertEquals(Optional.of(new ConfigSpace.MsiCounts(0, 0)), counts(256, 0, 0));
    }

    @Test
    void unknownWhenOnlyTheFirst64BytesAreReadableAsForNonRoot() {
        assertEquals(Optional.empty(), counts(64, 32, 0));
    }

    @Test
    void aLoopInTheCapabilityListEnds() {
        byte[] c = new byte[256];
        c[0x06] = 0x10;
        c[0x34] = 0x40;
        c[0x40] = 0x05;
        c[0x41] = 0x40;
        assertEquals(Optional.of(new ConfigSpace.MsiCounts(1, 0)), ConfigSpace.msiCounts(c));
    }

    @Test
    void headerTypeIgnoresTheMultiFunctionBit() {
        byte[] c = new byte[64];
        c[0x0e] = (byte) 0x81;
        assertEquals(Optional.of(1), ConfigSpace.headerType(c));
    }
}
