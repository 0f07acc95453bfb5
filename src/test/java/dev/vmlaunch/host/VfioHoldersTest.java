package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who holds /dev/vfio/N open, from /proc/PID/fd links (the shape `ls -l /proc/PID/fd` shows on a VFIO host). */
class VfioHoldersTest {
    @TempDir
    Path tmp;

    Path process(String pid, String comm, String exe, String... fdTargets) throws Exception {
        Path p = Files.createDirectories(tmp.resolve("proc").resolve(pid).resolve("fd"));
        for (int i = 0; i < fdTargets.length; i++) {
            Files.createSymbolicLink(p.resolve(Integer.toString(i)), Path.of(fdTargets[i]));
        }
        Files.writeString(p.getParent().resolve("comm"), comm + "\n");
        Files.createSymbolicLink(p.getParent().resolve("exe"), Path.of(exe));
        return p;
    }

    @Test
    void namesEveryProcessWithTheGroupOpenWithTheRealDevRoot() throws Exception {
        process("900", "qemu-system-x86", "/usr/bin/qemu-system-x86_64", "/dev/null", "/dev/vfio/vfio", "/dev/vfio/7");
        process("31", "lkvm", "/usr/local/bin/lkvm", "/dev/vfio/7");
        process("32", "bash", "/usr/bin/bash", "/dev/vfio/70", "socket:[1234]");
        Files.createDirectories(tmp.resolve("proc/self"));
        assertEquals(
                List.of("pid 31 (lkvm, /usr/local/bin/lkvm)", "pid 900 (qemu-system-x86, /usr/bin/qemu-system-x86_64)"),
                new VfioHolders(tmp.resolve("proc"), Path.of("/dev")).of("7"));
        assertEquals(List.of(), new VfioHolders(tmp.resolve("proc"), Path.of("/dev")).of("8"));
    }

    @Test
    void aMovedDevRootIsMatchedToo() throws Exception {
        Path dev = tmp.resolve("dev");
        process("5", "qemu", "/usr/bin/qemu", dev.resolve("vfio/3").toString());
        assertEquals(List.of("pid 5 (qemu, /usr/bin/qemu)"), new VfioHolders(tmp.resolve("proc"), dev).of("3"));
    }
}
