package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.driver.StopPolicy;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.lkvm.LkvmInstances;
import dev.vmlaunch.lkvm.LkvmIpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Stops a kvmtool guest that vmlaunch did not start, found through its {@code ~/.lkvm/NAME.sock}. IPC STOP first;
 * SIGTERM and SIGKILL only to a pid {@link LkvmProcessProof} proves is the kvmtool behind that socket. Anything else
 * listening there could report any pid, and an unrelated process must never be signalled: then only the IPC STOP
 * is sent, and the outcome says why nothing more was done.
 */
public final class ForeignLkvmStop {
    /** How one foreign guest's stop went ({@code message} says what was done, or why not). */
    public record Result(String name, boolean ok, String message) {}

    private static final long POLL_MILLIS = 50;

    private final Duration perStep;
    private final boolean force;
    private final LkvmProcessProof proof;
    private final Consumer<String> log;

    public ForeignLkvmStop(Duration perStep, boolean force, LkvmProcessProof proof, Consumer<String> log) {
        this.perStep = perStep;
        this.force = force;
        this.proof = proof;
        this.log = log;
    }

    public Result stop(LkvmInstances.Instance inst) {
        if (!inst.answered()) {
            return new Result(inst.name(), false, "kvmtool socket " + inst.socket() + ": " + inst.error());
        }
        LkvmProcessProof.Verdict v = proof.check(inst.pid(), inst.socket());
        if (v.proven()) {
            VmmProcess vmm = VmmProcess.recorded(v.process().get());
            String how =
                    LkvmStopPolicy.of(inst.socket(), force).stop(vmm, perStep, m -> log.accept(inst.name() + ": " + m));
            return vmm.isAlive()
                    ? new Result(inst.name(), false, "pid " + inst.pid() + " is still running after SIGKILL")
                    : new Result(inst.name(), true, "stopped (" + how + ")");
        }
        return ipcStopOnly(inst, v.reason());
    }

    private Result ipcStopOnly(LkvmInstances.Instance inst, String why) {
        String noSignal = "no signal sent: " + why;
        try (LkvmIpc ipc = LkvmIpc.connect(inst.socket(), perStep)) {
            ipc.stop();
        } catch (IOException e) {
            return new Result(inst.name(), false, "IPC STOP failed (" + e.getMessage() + "); " + noSignal);
        }
        if (awaitSocketGone(inst.socket())) {
            return new Result(inst.name(), true, "stopped (IPC STOP)");
        }
        return new Result(
                inst.name(),
                false,
                "sent IPC STOP, but " + inst.socket() + " still answers after " + StopPolicy.describe(perStep) + "; "
                        + noSignal);
    }

    /** kvmtool removes its socket as it ends; a socket that refuses has nothing behind it either. */
    private boolean awaitSocketGone(Path socket) {
        long end = System.nanoTime() + perStep.toNanos();
        while (true) {
            if (!Files.exists(socket)) {
                return true;
            }
            try (LkvmIpc ipc = LkvmIpc.connect(socket, Duration.ofMillis(500))) {
                ipc.vmState();
            } catch (java.net.ConnectException refused) {
                return true;
            } catch (IOException e) {
                // alive but slow, or just closing: keep watching
            }
            if (System.nanoTime() - end >= 0) {
                return false;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
