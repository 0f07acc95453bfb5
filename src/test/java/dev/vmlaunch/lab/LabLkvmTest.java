package dev.vmlaunch.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabLkvmTest {
    @TempDir
    Path tmp;

    String refused(Path p) {
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> LabLkvm.binary(p));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        return e.getMessage();
    }

    @Test
    void anExecutableFileIsTakenAsItsAbsolutePath() throws Exception {
        Path lkvm = Files.createFile(
                tmp.resolve("lkvm"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        assertEquals(lkvm.toAbsolutePath(), LabLkvm.binary(lkvm));
        assertEquals("/mnt/kvmtool/lkvm", LabLkvm.inside(lkvm));
    }

    @Test
    void aMissingFileAFolderAndAFileThatIsNotExecutableAreUsageErrorsSayingWhich() throws Exception {
        assertTrue(refused(tmp.resolve("nope")).contains("no such file"));
        assertTrue(refused(tmp).contains("a folder: name the lkvm binary in it"));
        Path plain = Files.createFile(tmp.resolve("lkvm"));
        assertTrue(refused(plain).contains("not executable"));
    }
}
