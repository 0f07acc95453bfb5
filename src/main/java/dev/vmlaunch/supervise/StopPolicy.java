package dev.vmlaunch.supervise;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * How a VMM is asked to end: a list of steps, gentlest first (qemu: system_powerdown, then quit; lkvm: IPC STOP),
 * each given part of the time budget, always ending in SIGTERM and SIGKILL so that {@link #stop} returns only when
 * the process is gone.
 */
public final class StopPolicy {

    /** One way of asking; it must not block longer than it takes to send the request. */
    public interface Step {
        String name();

        /** Sends the request; throws if it could not be sent (the next step follows at once). */
        void request(ProcessHandle vmm) throws Exception;
    }

    private final List<Step> gentle;

    public StopPolicy(List<Step> gentle) {
        this.gentle = List.copyOf(gentle);
    }

    /**
     * Ends {@code vmm}: each gentle step gets {@code perStep} to work; then SIGTERM (up to 5 s) and SIGKILL.
     * {@code log} hears what was tried. Returns the name of the step that ended the process.
     */
    public String stop(ProcessHandle vmm, Duration perStep, Consumer<String> log) {
        List<Step> steps = new ArrayList<>(gentle);
        for (Step s : steps) {
            if (!vmm.isAlive()) {
                return "already gone";
            }
            try {
                s.request(vmm);
            } catch (Exception e) {
                log.accept(s.name() + " failed: " + e.getMessage());
                continue;
            }
            if (waitFor(vmm, perStep)) {
                return s.name();
            }
            log.accept(s.name() + ": still running after " + perStep.toSeconds() + " s");
        }
        if (!vmm.isAlive()) {
            return "already gone";
        }
        vmm.destroy();
        if (waitFor(vmm, Duration.ofSeconds(5))) {
            return "SIGTERM";
        }
        log.accept("SIGTERM: still running after 5 s, sending SIGKILL");
        vmm.destroyForcibly();
        waitFor(vmm, Duration.ofSeconds(10));
        return "SIGKILL";
    }

    static boolean waitFor(ProcessHandle p, Duration d) {
        try {
            p.onExit().get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !p.isAlive();
        }
    }
}
