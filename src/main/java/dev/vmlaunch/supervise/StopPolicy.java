package dev.vmlaunch.supervise;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * How a VMM is asked to end: a list of steps, gentlest first (qemu: system_powerdown, then quit; lkvm: IPC STOP),
 * then SIGTERM and SIGKILL, each step given {@code perStep} to work, so that {@link #stop} returns only when the
 * process is gone (or after SIGKILL had its time, for a process stuck in the kernel).
 */
public final class StopPolicy {

    /** One way of asking. */
    public interface Step {
        String name();

        /**
         * Sends the request, within {@code budget}. Throws if it could not be sent; the next step follows at once.
         * Returns false to say the step was skipped (nothing sent, e.g. QMP already known not to answer).
         */
        boolean request(VmmProcess vmm, Duration budget) throws Exception;
    }

    private final List<Step> gentle;

    public StopPolicy(List<Step> gentle) {
        this.gentle = List.copyOf(gentle);
    }

    public List<Step> steps() {
        return gentle;
    }

    /**
     * Ends {@code vmm}. {@code log} hears what was tried. Returns the name of the step that ended the process,
     * {@code "already gone"}, or {@code "SIGKILL"} also when even SIGKILL did not end it in time (check
     * {@link VmmProcess#isAlive()}).
     */
    public String stop(VmmProcess vmm, Duration perStep, Consumer<String> log) {
        for (Step s : gentle) {
            if (!vmm.isAlive()) {
                return "already gone";
            }
            try {
                if (!s.request(vmm, perStep)) {
                    continue;
                }
            } catch (Exception e) {
                log.accept(s.name() + " failed: " + e.getMessage());
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                continue;
            }
            if (vmm.awaitExit(perStep)) {
                return s.name();
            }
            log.accept(s.name() + ": still running after " + describe(perStep));
        }
        if (!vmm.isAlive()) {
            return "already gone";
        }
        vmm.terminate();
        if (vmm.awaitExit(perStep)) {
            return "SIGTERM";
        }
        log.accept("SIGTERM: still running after " + describe(perStep) + ", sending SIGKILL");
        vmm.kill();
        if (!vmm.awaitExit(perStep.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : perStep)) {
            log.accept("SIGKILL: pid " + vmm.pid() + " is still there (stuck in the kernel?)");
        }
        return "SIGKILL";
    }

    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
