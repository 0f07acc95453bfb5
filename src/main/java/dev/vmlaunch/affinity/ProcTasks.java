package dev.vmlaunch.affinity;

import dev.vmlaunch.config.CpuList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The threads of a process as /proc shows them: {@code PROC/PID/task/TID/{comm,status}}. Reads are bounded and
 * never follow links (a task folder is the kernel's, but the root may be a test's tree).
 */
public final class ProcTasks {
    private static final int MAX_READ = 64 * 1024;
    private final Path proc;

    public ProcTasks(Path proc) {
        this.proc = proc;
    }

    /** The task ids of {@code pid}, ascending; empty when the process is gone. */
    public List<Long> tasks(long pid) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds =
                Files.newDirectoryStream(proc.resolve(Long.toString(pid)).resolve("task"))) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.matches("[0-9]{1,10}")) {
                    out.add(Long.parseLong(n));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    /** The thread's name ({@code comm}), e.g. {@code kvm-vcpu-0}. */
    public Optional<String> comm(long pid, long tid) {
        return read(task(pid, tid).resolve("comm")).map(String::strip);
    }

    /** What the kernel really applies: {@code Cpus_allowed_list} of the thread's status. */
    public Optional<CpuList> allowed(long pid, long tid) {
        return read(task(pid, tid).resolve("status")).flatMap(s -> s.lines()
                .filter(l -> l.startsWith("Cpus_allowed_list:"))
                .findFirst()
                .flatMap(l -> CpuList.parse(l.substring("Cpus_allowed_list:".length()), why -> {})));
    }

    private Path task(long pid, long tid) {
        return proc.resolve(Long.toString(pid)).resolve("task").resolve(Long.toString(tid));
    }

    private static Optional<String> read(Path file) {
        if (Files.isSymbolicLink(file) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(new String(in.readNBytes(MAX_READ), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
