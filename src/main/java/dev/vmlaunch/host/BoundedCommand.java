package dev.vmlaunch.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a helper program (modprobe, apt-get, dpkg-deb, lkvm list) from an argv list with a deadline and a cap on what
 * of its output is kept: a helper that hangs is killed at the deadline with whatever it started, and one that floods
 * its output costs no more memory than the cap.
 */
public final class BoundedCommand {
    /**
     * What a run gave: its exit code (-1 when it was killed at the deadline) and what it wrote, each stream cut at the
     * cap (with {@link #runMerged} both streams are in {@code out}, in the order written, and {@code err} is empty).
     */
    public record Result(int exit, String out, String err, boolean timedOut, Duration timeout) {
        public boolean ok() {
            return exit == 0 && !timedOut;
        }

        /** "did not finish in 1.5 s; killed it" or "failed (exit 3)": what went wrong, for after the command's name. */
        public String failure() {
            return timedOut
                    ? "did not finish in " + String.format(Locale.ROOT, "%.1f s", timeout.toMillis() / 1000.0)
                            + "; killed it"
                    : "failed (exit " + exit + ")";
        }
    }

    /** How long a killed helper and its output readers get to go once SIGKILL is sent. */
    private static final Duration REAP = Duration.ofSeconds(5);

    private BoundedCommand() {}

    /** Runs {@code argv} (program first, no shell) with stdin closed; stdout and stderr are kept apart. */
    public static Result run(List<String> argv, Duration timeout, int maxOutput) throws IOException {
        return run(argv, timeout, maxOutput, false);
    }

    /** Like {@link #run}, with stderr joined into stdout: for a helper whose messages read best in the order written. */
    public static Result runMerged(List<String> argv, Duration timeout, int maxOutput) throws IOException {
        return run(argv, timeout, maxOutput, true);
    }

    private static Result run(List<String> argv, Duration timeout, int maxOutput, boolean merged) throws IOException {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("no program to run");
        }
        if (maxOutput < 0) {
            throw new IllegalArgumentException("output cap " + maxOutput + " is negative");
        }
        Process p = new ProcessBuilder(List.copyOf(argv))
                .redirectErrorStream(merged)
                .start();
        p.getOutputStream().close();
        // Read on the side: reading to the end here would wait for the helper (and anything that inherited its pipes)
        // to close them, which is exactly the wait without a deadline this class must not have.
        CompletableFuture<String> out = CompletableFuture.supplyAsync(
                () -> readCapped(p.getInputStream(), maxOutput),
                r -> daemon(r, "vmlaunch-helper-out").start());
        CompletableFuture<String> err = merged
                ? CompletableFuture.completedFuture("")
                : CompletableFuture.supplyAsync(
                        () -> readCapped(p.getErrorStream(), maxOutput),
                        r -> daemon(r, "vmlaunch-helper-err").start());
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                kill(p);
            }
            String o = out.completeOnTimeout("", REAP.toMillis(), TimeUnit.MILLISECONDS)
                    .join();
            String e = err.completeOnTimeout("", REAP.toMillis(), TimeUnit.MILLISECONDS)
                    .join();
            return new Result(done ? p.exitValue() : -1, o, e, !done, timeout);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + argv.get(0), e);
        }
    }

    /** SIGKILL to the helper and everything it started, then a bounded wait until they are gone. */
    private static void kill(Process p) throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        all.add(p.toHandle());
        long end = System.nanoTime() + REAP.toNanos();
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // SIGKILL was sent; a process in uninterruptible sleep goes when the kernel lets it.
            }
        }
    }

    private static String readCapped(InputStream in, int max) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (in) {
            // Read to the end even past the cap: a helper blocked on a full pipe would never finish.
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                kept.write(buf, 0, Math.max(0, Math.min(n, max - kept.size())));
            }
        } catch (IOException e) {
            // The process was killed: what was read is all there is.
        }
        return kept.toString(StandardCharsets.UTF_8);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
