package dev.vmlaunch.affinity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcTasksTest {
    @TempDir
    Path tmp;

    @Test
    void readsTasksNamesAndAllowedCpus() {
        FakeProc proc =
                new FakeProc(tmp, 10, "0-3").thread(12, "kvm-vcpu-0", "2").thread(11, "worker", "0-1");
        ProcTasks t = proc.tasks();
        assertEquals(List.of(10L, 11L, 12L), t.tasks(10));
        assertEquals(Optional.of("kvm-vcpu-0"), t.comm(10, 12));
        assertEquals("2", t.allowed(10, 12).orElseThrow().toString());
    }

    @Test
    void aGoneProcessHasNoTasks() {
        assertEquals(List.of(), new ProcTasks(tmp).tasks(99));
    }

    @Test
    void linksAreNotFollowedAndJunkIsIgnored() throws Exception {
        FakeProc proc = new FakeProc(tmp, 10, "0-3");
        Path task = tmp.resolve("10/task/10");
        Path elsewhere = Files.writeString(tmp.resolve("elsewhere"), "Cpus_allowed_list:\t1\n");
        Files.delete(task.resolve("status"));
        Files.createSymbolicLink(task.resolve("status"), elsewhere);
        Files.createDirectories(tmp.resolve("10/task/not-a-tid"));
        assertTrue(proc.tasks().allowed(10, 10).isEmpty(), "a symlinked status is not read");
        assertEquals(List.of(10L), proc.tasks().tasks(10));
    }

    @Test
    void anUnparsableMaskIsEmptyNotAnError() throws Exception {
        new FakeProc(tmp, 10, "0-3");
        Files.writeString(tmp.resolve("10/task/10/status"), "Cpus_allowed_list:\tgarbage\n");
        assertTrue(new ProcTasks(tmp).allowed(10, 10).isEmpty());
    }
}
