package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vmlaunch.VmlaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BindStateStoreTest {
    @TempDir
    Path tmp;

    @Test
    void bindRecordsRoundTripAndATamperedDriverNameIsRefused() throws Exception {
        BindStateStore store = new BindStateStore(tmp.resolve("state"));
        BindRecord r = new BindRecord("0000:01:00.0", "nvidia", null, "g1", 42, "2024-01-01T00:00:00Z");
        store.write(r);
        assertEquals(java.util.Optional.of(r), store.read(dev.vmlaunch.config.PciAddress.parse("01:00.0")));
        Files.writeString(store.folder().resolve("0000:01:00.1.json"),
                "{\"address\":\"0000:01:00.1\",\"originalDriver\":\"../../../x\"}");
        assertThrows(VmlaunchException.class, () -> store.read(dev.vmlaunch.config.PciAddress.parse("01:00.1")));
    }

    @Test
    void recordsLiveInADotFolderNoGuestNameCanTake() {
        assertEquals(tmp.resolve("state/.devices"), new BindStateStore(tmp.resolve("state")).folder());
    }
}
