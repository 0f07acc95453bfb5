package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.host.HostRoots;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a process has open, from /proc/PID/fd (the kernel's: the process is the VMM this JVM spawned). */
final class OpenFiles {
    private OpenFiles() {}

    /** Whether process {@code pid} has {@code file} open (false when that cannot be read). */
    static boolean holds(long pid, Path file) {
        try (DirectoryStream<Path> fds =
                Files.newDirectoryStream(HostRoots.KERNEL.process(pid).resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file)) {
                        return true;
                    }
                } catch (IOException e) {
                    // Closed meanwhile.
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
