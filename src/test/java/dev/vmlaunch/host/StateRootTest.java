package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vmlaunch.VmlaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateRootTest {
    @TempDir
    Path tmp;

    @Test
    void vmlaunchStateWinsThenRootThenXdgRuntimeDir() {
        assertEquals(Path.of("/srv/state"), StateRoot.resolve(Map.of("VMLAUNCH_STATE", "/srv/state",
                "XDG_RUNTIME_DIR", "/run/user/1000"), 1000));
        assertEquals(Path.of("/run/vmlaunch"), StateRoot.resolve(Map.of("XDG_RUNTIME_DIR", "/run/user/0"), 0));
        assertEquals(Path.of("/run/user/1000/vmlaunch"), StateRoot.resolve(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), 1000));
        assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().resolve("vmlaunch-1000"),
                StateRoot.resolve(Map.of(), 1000));
    }

    @Test
    void ensureMakesAnOwnerOnlyFolderAndTightensAnOpenOne() throws Exception {
        Path d = StateRoot.ensure(tmp.resolve("a/b/vmlaunch"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        StateRoot.ensure(d);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
    }

    @Test
    void aSymlinkInPlaceOfTheFolderIsRefused() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(tmp.resolve("vmlaunch"), target);
        assertThrows(VmlaunchException.class, () -> StateRoot.ensure(link));
    }

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
}
