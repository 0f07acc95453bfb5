package dev.vmlaunch.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabKvmTest {
    @TempDir
    Path dir;

    @Test
    void aMissingKvmNodeSaysKvmAmdDidNotLoad() {
        String why = LabKvm.unusable(dir.resolve("kvm"), LabArch.X86_64);
        assertTrue(why.startsWith("no " + dir.resolve("kvm") + " (kvm_amd did not load"), why);
    }

    @Test
    void aNodeThatOpensReadWriteIsUsable() throws Exception {
        Path kvm = Files.createFile(dir.resolve("kvm"));
        assertNull(LabKvm.unusable(kvm, LabArch.X86_64));
    }

    @Test
    void aNodeThatCannotBeOpenedSaysWhy() throws Exception {
        Path kvm = Files.createDirectory(dir.resolve("kvm"));
        Files.setPosixFilePermissions(kvm, PosixFilePermissions.fromString("---------"));
        String why = LabKvm.unusable(kvm, LabArch.X86_64);
        assertTrue(why != null && why.startsWith("cannot open " + kvm), String.valueOf(why));
    }

    @Test
    void theLabHostsChecksFailWhenTheFileIsMissingOrSaysNo() throws Exception {
        assertEquals(new LabChecks(1, false, false), LabChecks.read(dir));
        LabChecks.write(dir, 0, true, false);
        LabChecks c = LabChecks.read(dir);
        assertEquals(new LabChecks(0, true, false), c);
        assertTrue(!c.passed());
        LabChecks.write(dir, 0, true, true);
        assertTrue(LabChecks.read(dir).passed());
    }

    @Test
    void aPanicOnTheLabHostsConsoleIsFoundWithItsReason() throws Exception {
        Path log = dir.resolve("console.log");
        Files.writeString(
                log,
                "SeaBIOS\n[    0.052000] Kernel panic - not syncing: timer doesn't work through "
                        + "Interrupt-remapped IO-APIC\n[    0.052000] CPU: 0\n");
        assertEquals(
                "Kernel panic - not syncing: timer doesn't work through Interrupt-remapped IO-APIC",
                LabConsole.panic(log));
        Files.writeString(log, "vmlaunch: guest ready (kernel 6.1.0-57-amd64, x86_64)\n");
        assertNull(LabConsole.panic(log));
        assertNull(LabConsole.panic(dir.resolve("missing.log")));
    }
}
