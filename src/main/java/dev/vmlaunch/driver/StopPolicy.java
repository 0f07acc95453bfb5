package dev.vmlaunch.driver;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * How a VMM is asked to end: a list of steps, gentlest first (qemu: system_powerdown, then quit; lkvm: IPC STOP),
 * then SIGTERM and SIGKILL, each step given {@code perStep} to work, so that {@link #stop} returns only when the
 * process is gone (or after SIGKILL had its time, for a process stuck in the kernel). A step may repeat its request
 * within its time ({@link Step#repeatEvery()}): the power button is pressed again every few seconds.
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

        /**
         * Non-null: the request is sent again this often within the step's time, because one that arrives too
         * early is lost (a power button pressed before the guest's ACPI/GPIO handler is up does nothing).
         */
        default Duration repeatEvery() {
            return null;
        }

        /**
         * Non-null once waiting longer is pointless (why, for the log): the next step follows at once. Asked after each
         * wait of a repeated step.
         */
        default String hopeless() {
            return null;
        }

        /** How the step is reported once it ended the process, after {@code sent} requests and {@code took}. */
        default String ended(int sent, Duration took) {
            return name();
        }
    }

    /** A repeated request gets at least this long to connect and be answered. */
    static final Duration LEAST_FOR_A_REPEAT = Duration.ofSeconds(1);

    private final List<Step> gentle;
    private final LongSupplier nanoTime;

    public StopPolicy(List<Step> gentle) {
        this(gentle, System::nanoTime);
    }

    /** @param nanoTime the clock the repeats are timed by ({@link System#nanoTime()}; tests: a fake) */
    public StopPolicy(List<Step> gentle, LongSupplier nanoTime) {
        this.gentle = List.copyOf(gentle);
        this.nanoTime = nanoTime;
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
            String how = run(s, vmm, perStep, log);
            if (how != null) {
                return how;
            }
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

    /** One step; its description when it ended the process, null to go on with the next. */
    private String run(Step s, VmmProcess vmm, Duration perStep, Consumer<String> log) {
        Duration every = s.repeatEvery();
        long start = nanoTime.getAsLong();
        long end = start + perStep.toNanos();
        int sent = 0;
        while (true) {
            Duration left = Duration.ofNanos(Math.max(0, end - nanoTime.getAsLong()));
            // A repeat that fails because the VMM is on its way out (its QMP socket already gone) is no news if it
            // then ends: said only if it is still running after the wait.
            String repeatFailed = null;
            try {
                if (s.request(vmm, sent == 0 ? perStep : left)) {
                    sent++;
                } else if (sent == 0) {
                    return null;
                }
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (sent == 0) {
                    log.accept(s.name() + " failed: " + e.getMessage());
                    return null;
                }
                repeatFailed = s.name() + " (again) failed: " + e.getMessage();
            }
            Duration wait =
                    every == null ? perStep : min(every, Duration.ofNanos(Math.max(0, end - nanoTime.getAsLong())));
            if (vmm.awaitExit(wait)) {
                return s.ended(sent, Duration.ofNanos(nanoTime.getAsLong() - start));
            }
            if (repeatFailed != null) {
                log.accept(repeatFailed);
            }
            String hopeless = s.hopeless();
            if (hopeless != null) {
                log.accept(s.name() + ": " + hopeless);
                return null;
            }
            long remaining = end - nanoTime.getAsLong();
            boolean again = every != null
                    && remaining >= LEAST_FOR_A_REPEAT.toNanos()
                    && !Thread.currentThread().isInterrupted();
            if (!again) {
                // Too little time left for another request to be worth it (or to answer): wait it out.
                if (every != null && remaining > 0 && vmm.awaitExit(Duration.ofNanos(remaining))) {
                    return s.ended(sent, Duration.ofNanos(nanoTime.getAsLong() - start));
                }
                log.accept(s.name() + ": still running after " + describe(perStep)
                        + (every == null ? "" : " (sent " + times(sent) + ")"));
                return null;
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    public static String times(int n) {
        return n == 1 ? "once" : n + " times";
    }

    public static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
