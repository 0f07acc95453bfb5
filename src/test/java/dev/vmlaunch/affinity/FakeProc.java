package dev.vmlaunch.affinity;

import dev.vmlaunch.config.CpuList;
import dev.vmlaunch.vfio.ThreadAffinity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A /proc tree with one process's tasks, laid out like the kernel's, and a {@link ThreadAffinity} that changes it
 * the way sched_setaffinity changes the real one (Cpus_allowed_list in each task's status).
 */
public final class FakeProc implements ThreadAffinity {
    public record Call(long tid, String cpus) {}

    private final Path root;
    private final long pid;
    private final List<Call> calls = new ArrayList<>();
    private final Map<Long, Integer> failures = new ConcurrentHashMap<>();

    public FakeProc(Path root, long pid, String initialMask) {
        this.root = root;
        this.pid = pid;
        thread(pid, "qemu-system-x86", initialMask);
    }

    public Path root() {
        return root;
    }

    public ProcTasks tasks() {
        return new ProcTasks(root);
    }

    /** Adds a thread named {@code comm} with {@code mask}. */
    public FakeProc thread(long tid, String comm, String mask) {
        try {
            Path t = Files.createDirectories(root.resolve(pid + "/task/" + tid));
            Files.writeString(t.resolve("comm"), comm + "\n");
            writeMask(tid, mask);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Makes sched_setaffinity on {@code tid} fail with {@code errno}. */
    public void failOn(long tid, int errno) {
        failures.put(tid, errno);
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    @Override
    public synchronized int set(long tid, CpuList cpus) {
        calls.add(new Call(tid, cpus.toString()));
        if (failures.containsKey(tid)) {
            return -failures.get(tid);
        }
        if (!Files.isDirectory(root.resolve(pid + "/task/" + tid))) {
            return -3;
        }
        writeMask(tid, cpus.toString());
        return 0;
    }

    @Override
    public Mask get(long tid) {
        return tasks().allowed(pid, tid).map(c -> new Mask(c, 0)).orElse(new Mask(null, 3));
    }

    private void writeMask(long tid, String mask) {
        try {
            Files.writeString(
                    root.resolve(pid + "/task/" + tid + "/status"),
                    "Name:\tx\nPid:\t" + tid + "\nCpus_allowed:\tff\nCpus_allowed_list:\t" + mask
                            + "\nMems_allowed_list:\t0\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
