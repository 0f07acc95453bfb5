package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VfioAccessTest {
    @TempDir
    Path tmp;

    @Test
    void theUdevRuleIsPrintedExactlyForTheGroupAndTheUser() throws Exception {
        Path node = Files.createFile(tmp.resolve("12"));
        Files.setPosixFilePermissions(node, PosixFilePermissions.fromString("rw-------"));
        Problem p = VfioAccess.problem(node, 12, "alice");
        assertTrue(p.isError());
        assertTrue(p.message().startsWith("this user (alice) cannot open " + node + " (owner "), p.message());
        assertTrue(p.message().endsWith("mode rw-------)"), p.message());
        assertTrue(
                p.remedy()
                        .contains("\n    SUBSYSTEM==\"vfio\", KERNEL==\"12\", OWNER=\"alice\", MODE=\"0600\"\n  in "
                                + "/etc/udev/rules.d/70-vmlaunch-vfio.rules"),
                p.remedy());
        assertTrue(p.remedy().contains("'sudo udevadm trigger --subsystem-match=vfio'"));
    }

    @Test
    void aUserNameThatIsNoLoginNameIsNotPutIntoTheRule() {
        assertEquals(
                "SUBSYSTEM==\"vfio\", KERNEL==\"3\", OWNER=\"USER\", MODE=\"0600\"",
                VfioAccess.problem(tmp.resolve("none"), 3, "a\"b")
                        .remedy()
                        .lines()
                        .skip(1)
                        .findFirst()
                        .orElseThrow()
                        .strip());
    }
}
