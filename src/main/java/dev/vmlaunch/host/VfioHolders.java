package dev.vmlaunch.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The processes that hold a VFIO group node ({@code /dev/vfio/N}) open, found as the kernel shows them: a link
 * {@code /proc/PID/fd/FD -> /dev/vfio/N}. A device must not leave vfio-pci while its group is open — a VMM is using
 * it, and the kernel's unbind would block until that process lets go.
 */
public final class VfioHolders {
    private final Path proc;
    private final Path dev;

    public VfioHolders(Path proc, Path dev) {
        this.proc = proc;
        this.dev = dev;
    }

    /**
     * Every process with {@code /dev/vfio/GROUP} open, as "pid 123 (qemu-system-x86, /usr/bin/qemu-system-x86_64)";
     * a process whose fds cannot be read is listed too ("pid 123 (?): cannot read ..."), since it might hold it.
     */
    public List<String> of(String group) {
        // The kernel names the node by its path in the real /dev; a moved dev root (tests, the lab) may show either.
        Set<String> targets = new java.util.HashSet<>(List.of(
                HostRoots.KERNEL.dev().resolve("vfio").resolve(group).toString(),
                dev.resolve("vfio").resolve(group).toString()));
        List<String> out = new ArrayList<>();
        List<Path> pids = new ArrayList<>();
        try (DirectoryStream<Path> ds =
                Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("[0-9]{1,10}"))) {
            ds.forEach(pids::add);
        } catch (IOException e) {
            out.add("cannot list " + proc + " (" + e.getMessage() + ")");
            return out;
        }
        pids.sort((a, b) -> Long.compare(
                Long.parseLong(a.getFileName().toString()),
                Long.parseLong(b.getFileName().toString())));
        for (Path p : pids) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(p.resolve("fd"))) {
                for (Path fd : fds) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException e) {
                        continue; // closed meanwhile
                    }
                    if (targets.contains(target)) {
                        out.add(describe(p));
                        break;
                    }
                }
            } catch (NoSuchFileException e) {
                // ended meanwhile
            } catch (AccessDeniedException e) {
                out.add(describe(p) + ": cannot read its open files (" + e.getMessage() + ")");
            } catch (IOException e) {
                // a kernel thread or a process that ended: no files of its own
            }
        }
        return out;
    }

    private static String describe(Path pidDir) {
        String comm;
        try {
            comm = Files.readString(pidDir.resolve("comm"), StandardCharsets.UTF_8)
                    .strip()
                    .replaceAll("[^\\x20-\\x7e]", "?");
        } catch (IOException e) {
            comm = "?";
        }
        String exe;
        try {
            exe = ", "
                    + Files.readSymbolicLink(pidDir.resolve("exe")).toString().replaceAll("[^\\x20-\\x7e]", "?");
        } catch (IOException | UnsupportedOperationException e) {
            exe = "";
        }
        return "pid " + pidDir.getFileName() + " (" + comm + exe + ")";
    }
}
