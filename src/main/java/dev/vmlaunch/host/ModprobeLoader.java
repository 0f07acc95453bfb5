package dev.vmlaunch.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs {@code modprobe <module>} with a deadline. A modprobe that hangs (a module whose init blocks, a udev
 * rule that waits) is killed, with whatever it started, when the deadline passes: it must neither hold vmlaunch
 * forever nor outlive it.
 */
public final class ModprobeLoader implements ModuleLoader {
    private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** modprobe's messages are a few lines; more is noise we do not keep in memory. */
    static final int MAX_OUTPUT = 16 * 1024;

    private static final Duration REAP = Duration.ofSeconds(5);

    private final List<String> command;
    private final Duration timeout;

    public ModprobeLoader() {
        this(List.of("modprobe"), Duration.ofSeconds(60));
    }

    /** @param command the modprobe command (the module name is appended) */
    public ModprobeLoader(List<String> command, Duration timeout) {
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    @Override
    public void load(String module) throws IOException {
        if (!MODULE.matcher(module).matches()) {
            throw new IllegalArgumentException("not a module name: " + module);
        }
        List<String> argv = new ArrayList<>(command);
        argv.add(module);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        // Read on the side: reading to the end here would wait for modprobe (and anything that inherited its
        // stdout) to close it, which is exactly the wait without a deadline this class must not have.
        CompletableFuture<String> output = CompletableFuture.supplyAsync(
                () -> readCapped(p.getInputStream()),
                r -> daemon(r, "vmlaunch-modprobe-output").start());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                throw new IOException("modprobe " + module + " did not finish in "
                        + String.format(java.util.Locale.ROOT, "%.1f s", timeout.toMillis() / 1000.0) + "; killed it");
            }
            String text = output.completeOnTimeout("", REAP.toMillis(), TimeUnit.MILLISECONDS)
                    .join()
                    .trim();
            if (p.exitValue() != 0) {
                throw new IOException("modprobe " + module + " failed (exit " + p.exitValue() + ")"
                        + (text.isEmpty() ? "" : ": " + text));
            }
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading " + module, e);
        }
    }

    private static void kill(Process p) throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        all.add(p.toHandle());
        long end = System.nanoTime() + REAP.toNanos();
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // SIGKILL was sent; a process in uninterruptible sleep goes when the kernel lets it.
            }
        }
    }

    private static String readCapped(InputStream in) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try (in) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                kept.write(buf, 0, Math.max(0, Math.min(n, MAX_OUTPUT - kept.size())));
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
