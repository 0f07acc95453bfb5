package dev.vmlaunch.state;

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
        assertEquals(
                Path.of("/srv/state"),
                StateRoot.resolve(Map.of("VMLAUNCH_STATE", "/srv/state", "XDG_RUNTIME_DIR", "/run/user/1000"), 1000));
        assertEquals(Path.of("/run/vmlaunch"), StateRoot.resolve(Map.of("XDG_RUNTIME_DIR", "/run/user/0"), 0));
        assertEquals(
                Path.of("/run/user/1000/vmlaunch"),
                StateRoot.resolve(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), 1000));
        assertEquals(
                Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().resolve("vmlaunch-1000"),
                StateRoot.resolve(Map.of(), 1000));
    }

    @Test
    void ensureMakesAnOwnerOnlyFolderAndTightensAnOpenOne() throws Exception {
        Path d = StateRoot.ensureDir(tmp.resolve("a/b/vmlaunch"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        StateRoot.ensureDir(d);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
    }

    @Test
    void aSymlinkInPlaceOfTheFolderIsRefused() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(tmp.resolve("vmlaunch"), target);
        assertThrows(VmlaunchException.class, () -> StateRoot.ensureDir(link));
    }
}
