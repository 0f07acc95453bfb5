package dev.vmlaunch.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a helper program (apt-get, dpkg-deb, lkvm) with a deadline and a cap on what of its output is kept: a helper
 * that hangs is killed with whatever it started, and one that floods its output costs no more memory than the cap.
 */
final class BoundedCommand {
    /** What a run gave: its exit code (-1 when it was killed at the deadline) and its output, stdout then stderr. */
    record Result(int exit, String out, String err, boolean timedOut) {
        boolean ok() {
            return exit == 0 && !timedOut;
        }
    }

    private static final Duration REAP = Duration.ofSeconds(5);

    private BoundedCommand() {}

    static Result run(List<String> argv, Duration timeout, int maxOutput) throws IOException {
        Process p = new ProcessBuilder(argv).start();
        p.getOutputStream().close();
        // Read on the side: a helper's grandchild may keep the pipes open past the deadline.
        CompletableFuture<String> out = CompletableFuture.supplyAsync(
                () -> readCapped(p.getInputStream(), maxOutput),
                r -> daemon(r, "vmlaunch-helper-out").start());
        CompletableFuture<String> err = CompletableFuture.supplyAsync(
                () -> readCapped(p.getErrorStream(), maxOutput),
                r -> daemon(r, "vmlaunch-helper-err").start());
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(REAP.toMillis(), TimeUnit.MILLISECONDS);
            }
            String o = out.completeOnTimeout("", REAP.toMillis(), TimeUnit.MILLISECONDS)
                    .join();
            String e = err.completeOnTimeout("", REAP.toMillis(), TimeUnit.MILLISECONDS)
                    .join();
            return new Result(done ? p.exitValue() : -1, o, e, !done);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + argv.get(0), e);
        }
    }

    private static String readCapped(InputStream in, int max) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (in) {
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

    /** argv as a list that tolerates appending (List.of is fixed). */
    static List<String> argv(String... words) {
        return new ArrayList<>(List.of(words));
    }
}
