package dev.vmlaunch.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.affinity.AppliedAffinity;
import dev.vmlaunch.affinity.FakeProc;
import dev.vmlaunch.affinity.QemuPinning;
import dev.vmlaunch.affinity.VmmPinner;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pinning a paused (-S) qemu over QMP: every thread is pinned before cont lets the guest run. */
class QemuPinningTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String TWO_CPUS = "[{\"thread-id\": 202, \"qom-path\": \"/machine/unattached/device[0]\", "
            + "\"cpu-index\": 0, \"target\": \"x86_64\"}, {\"thread-id\": 203, \"cpu-index\": 1, \"target\": \"x86_64\"}]";

    @TempDir
    Path tmp;

    FakeQmpServer server;
    QmpClient client;
    FakeQmpServer.Peer peer;
    FakeProc proc;

    @BeforeEach
    void setUp() throws Exception {
        server = FakeQmpServer.startNegotiating(tmp);
        client = QmpClient.connect(server.socket(), TIMEOUT);
        peer = server.peer();
        proc = new FakeProc(tmp.resolve("proc"), 200, "0-7")
                .thread(201, "qemu-system-x86", "0-7")
                .thread(202, "CPU 0/TCG", "0-7")
                .thread(203, "CPU 1/TCG", "0-7");
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        server.close();
        assertNull(server.scriptFailure());
    }

    private CompletableFuture<AppliedAffinity> apply(Affinity a) {
        return CompletableFuture.supplyAsync(
                () -> QemuPinning.apply(client, 200, a, new VmmPinner(proc, proc.tasks()), TIMEOUT));
    }

    /** The threads as taskset leaves them: the process mask on every one, from the exec on. */
    private void underTaskset(String mask) {
        proc = new FakeProc(tmp.resolve("proc-" + mask), 200, mask)
                .thread(201, "qemu-system-x86", mask)
                .thread(202, "CPU 0/TCG", mask)
                .thread(203, "CPU 1/TCG", mask);
    }

    @Test
    void pinsEachVcpuThenContinues() throws Exception {
        underTaskset("2-3");
        Affinity a = new Affinity(CpuList.parseOrThrow("2-3"), Map.of(0, CpuList.of(2), 1, CpuList.of(3)));
        CompletableFuture<AppliedAffinity> f = apply(a);
        JsonNode q = peer.request();
        assertEquals("query-cpus-fast", q.path("execute").asText());
        assertEquals(List.of(), proc.calls(), "the process mask is taskset's; nothing is set before vCPUs are known");
        peer.reply(q, TWO_CPUS);
        JsonNode cont = peer.request();
        assertEquals("cont", cont.path("execute").asText());
        assertEquals(
                List.of(new FakeProc.Call(202, "2"), new FakeProc.Call(203, "3")),
                proc.calls(),
                "both vCPUs were pinned before cont");
        peer.reply(cont, "{}");
        AppliedAffinity applied = f.get(10, TimeUnit.SECONDS);
        assertEquals("2-3", applied.process());
        assertEquals(4, applied.threads());
        assertEquals(List.of(), applied.threadsOutsideProcessMask());
        assertEquals(
                List.of(new AppliedAffinity.Vcpu(0, 202, "2"), new AppliedAffinity.Vcpu(1, 203, "3")), applied.vcpus());
    }

    @Test
    void aProcessMaskAloneIsReadBackWithoutLoadingTheFfi() throws Exception {
        underTaskset("1");
        VmmPinner noFfi = new VmmPinner(
                () -> {
                    throw new AssertionError("sched_setaffinity was needed for a process mask alone");
                },
                proc.tasks());
        CompletableFuture<AppliedAffinity> f = CompletableFuture.supplyAsync(
                () -> QemuPinning.apply(client, 200, new Affinity(CpuList.of(1), Map.of()), noFfi, TIMEOUT));
        JsonNode q = peer.request();
        peer.reply(q, TWO_CPUS);
        JsonNode cont = peer.request();
        assertEquals("cont", cont.path("execute").asText());
        peer.reply(cont, "{}");
        AppliedAffinity applied = f.get(10, TimeUnit.SECONDS);
        assertEquals("1", applied.process());
        assertEquals(4, applied.threads());
    }

    @Test
    void aProcessMaskTheKernelNarrowedIsHostNotReadyAndNoContIsSent() throws Exception {
        underTaskset("2-3"); // a cpuset of CPUs 2-3 narrowed taskset's 2-5
        CompletableFuture<AppliedAffinity> f = apply(new Affinity(CpuList.parseOrThrow("2-5"), Map.of()));
        JsonNode q = peer.request();
        peer.reply(q, TWO_CPUS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertEquals(3, ((VmlaunchException) e.getCause()).exitCode());
        assertEquals(
                "\"cpuAffinity\" (2-5) was narrowed to 2-3 by the kernel (CPUs 4-5 are outside vmlaunch's cpuset)",
                e.getCause().getMessage());
        assertNull(peer.pollRequest(Duration.ofMillis(300)), "no cont: the guest never ran on the wrong CPUs");
    }

    @Test
    void aVcpuQemuDoesNotListIsAnErrorAndTheGuestStaysPaused() throws Exception {
        CompletableFuture<AppliedAffinity> f = apply(new Affinity(null, Map.of(2, CpuList.of(1))));
        JsonNode q = peer.request();
        peer.reply(q, TWO_CPUS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertEquals(
                "qemu reports no vCPU 2 (query-cpus-fast lists [0, 1]): cannot pin it to CPUs 1",
                e.getCause().getMessage());
        assertNull(peer.pollRequest(Duration.ofMillis(300)), "no cont after a failed pin");
    }

    @Test
    void aRefusedVcpuMaskIsHostNotReadyAndNoContIsSent() throws Exception {
        proc.failOn(203, 22);
        CompletableFuture<AppliedAffinity> f = apply(new Affinity(null, Map.of(1, CpuList.of(5))));
        JsonNode q = peer.request();
        peer.reply(q, TWO_CPUS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertEquals(3, ((VmlaunchException) e.getCause()).exitCode());
        assertTrue(
                e.getCause()
                        .getMessage()
                        .startsWith("cannot pin qemu vCPU 1 (thread 203) to CPUs 5: " + "sched_setaffinity: EINVAL"),
                e.getCause().getMessage());
        assertNull(peer.pollRequest(Duration.ofMillis(300)), "no cont after a failed pin");
    }

    @Test
    void vcpusSharingOneThreadCannotBePinnedApart() throws Exception {
        CompletableFuture<AppliedAffinity> f = apply(new Affinity(null, Map.of(0, CpuList.of(0), 1, CpuList.of(1))));
        JsonNode q = peer.request();
        peer.reply(q, "[{\"thread-id\": 202, \"cpu-index\": 0}, {\"thread-id\": 202, \"cpu-index\": 1}]");
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertEquals(2, ((VmlaunchException) e.getCause()).exitCode());
        assertTrue(
                e.getCause().getMessage().startsWith("qemu runs vCPUs 0 and 1 on one thread (202)"),
                e.getCause().getMessage());
        assertNull(peer.pollRequest(Duration.ofMillis(300)), "no cont after a failed pin");
    }

    @Test
    void aMalformedQueryCpusFastReplyIsRefused() throws Exception {
        CompletableFuture<AppliedAffinity> f = apply(new Affinity(null, Map.of(0, CpuList.of(1))));
        JsonNode q = peer.request();
        peer.reply(q, "[{\"cpu-index\": 0, \"thread-id\": \"202\"}]");
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertTrue(
                e.getCause().getMessage().contains("without a valid cpu-index and thread-id"),
                e.getCause().getMessage());
    }
}
