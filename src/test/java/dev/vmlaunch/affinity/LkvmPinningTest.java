package dev.vmlaunch.affinity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LkvmPinningTest {
    @TempDir
    Path tmp;

    @Test
    void eachVcpuThreadIsPinnedByItsKvmtoolName() {
        FakeProc proc = new FakeProc(tmp, 100, "0-3")
                .thread(101, "kvm-vcpu-1", "0-3")
                .thread(102, "kvm-vcpu-0", "0-3")
                .thread(103, "kvm-ipc", "0-3");
        Affinity a = new Affinity(CpuList.parseOrThrow("0-3"), Map.of(0, CpuList.of(2), 1, CpuList.of(3)));
        AppliedAffinity applied =
                LkvmPinning.apply(100, a, new VmmPinner(proc, proc.tasks()), Duration.ofSeconds(5), () -> true);
        assertEquals(List.of(new FakeProc.Call(101, "3"), new FakeProc.Call(102, "2")), proc.calls());
        assertEquals(
                List.of(new AppliedAffinity.Vcpu(0, 102, "2"), new AppliedAffinity.Vcpu(1, 101, "3")), applied.vcpus());
        assertEquals("0-3", applied.process());
        assertEquals(4, applied.threads());
    }

    @Test
    void waitsForVcpuThreadsThatAppearLater() throws Exception {
        FakeProc proc = new FakeProc(tmp, 100, "1");
        Affinity a = new Affinity(null, Map.of(0, CpuList.of(1)));
        CompletableFuture<AppliedAffinity> f = CompletableFuture.supplyAsync(
                () -> LkvmPinning.apply(100, a, new VmmPinner(proc, proc.tasks()), Duration.ofSeconds(20), () -> true));
        Thread.sleep(200);
        assertTrue(proc.calls().isEmpty());
        proc.thread(105, "kvm-vcpu-0", "0-1");
        assertEquals("1", f.get().vcpus().get(0).cpus());
    }

    @Test
    void aVcpuThatNeverAppearsFailsAtTheDeadlineNamingIt() {
        FakeProc proc = new FakeProc(tmp, 100, "0-1").thread(101, "kvm-vcpu-0", "0-1");
        Affinity a = new Affinity(null, Map.of(0, CpuList.of(0), 1, CpuList.of(1)));
        VmlaunchException e = assertThrows(
                VmlaunchException.class,
                () -> LkvmPinning.apply(100, a, new VmmPinner(proc, proc.tasks()), Duration.ofMillis(300), () -> true));
        assertEquals(
                "lkvm made no thread named kvm-vcpu-N for vCPU [1] within 0 s, so they could not be pinned",
                e.getMessage());
    }

    @Test
    void kvmtoolEndingStopsTheWait() {
        FakeProc proc = new FakeProc(tmp, 100, "0-1");
        Affinity a = new Affinity(null, Map.of(0, CpuList.of(0)));
        VmlaunchException e = assertThrows(
                VmlaunchException.class,
                () -> LkvmPinning.apply(100, a, new VmmPinner(proc, proc.tasks()), Duration.ofMinutes(5), () -> false));
        assertEquals("lkvm ended before its vCPU threads could be pinned", e.getMessage());
    }

    @Test
    void aRefusedMaskIsHostNotReadyWithTheErrno() {
        FakeProc proc = new FakeProc(tmp, 100, "0-1").thread(101, "kvm-vcpu-0", "0-1");
        proc.failOn(101, 22);
        VmlaunchException e = assertThrows(
                VmlaunchException.class,
                () -> LkvmPinning.apply(
                        100,
                        new Affinity(null, Map.of(0, CpuList.of(1))),
                        new VmmPinner(proc, proc.tasks()),
                        Duration.ofSeconds(5),
                        () -> true));
        assertEquals(3, e.exitCode());
        assertTrue(
                e.getMessage().startsWith("cannot pin lkvm vCPU 0 (thread 101) to CPUs 1: sched_setaffinity: EINVAL"),
                e.getMessage());
    }
}
