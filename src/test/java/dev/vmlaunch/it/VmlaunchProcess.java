package dev.vmlaunch.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** ./vmlaunch as a user runs it, in a child process whose output the test reads line by line. */
public final class VmlaunchProcess implements AutoCloseable {
    public static final Path ROOT =
            Path.of(System.getProperty("vmlaunch.root", ".")).toAbsolutePath().normalize();

    private final Process process;
    private final List<String> out = new CopyOnWriteArrayList<>();
    private final List<String> err = new CopyOnWriteArrayList<>();
    private final Thread outPump;
    private final Thread errPump;

    private VmlaunchProcess(Process process) {
        this.process = process;
        outPump = pump(process.getInputStream(), out);
        errPump = pump(process.getErrorStream(), err);
    }

    public static VmlaunchProcess start(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("vmlaunch").toString());
        cmd.addAll(List.of(args));
        return startCommand(env, cmd);
    }

    /** Any command line, run like vmlaunch (from the project root, with {@code env} added). */
    public static VmlaunchProcess startCommand(Map<String, String> env, List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().putAll(env);
        return new VmlaunchProcess(pb.start());
    }

    /** Runs to completion and returns the exit code. */
    public static VmlaunchProcess run(Map<String, String> env, String... args) throws Exception {
        return finish(start(env, args));
    }

    /** Runs {@code cmd} to completion. */
    public static VmlaunchProcess runCommand(Map<String, String> env, List<String> cmd)
            throws IOException, InterruptedException {
        return finish(startCommand(env, cmd));
    }

    private static VmlaunchProcess finish(VmlaunchProcess p) throws IOException, InterruptedException {
        p.process.getOutputStream().close();
        if (!p.process.waitFor(120, TimeUnit.SECONDS)) {
            p.close();
            throw new AssertionError("vmlaunch did not finish: " + p.transcript());
        }
        p.awaitPumps();
        return p;
    }

    private static Thread pump(InputStream in, List<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    sink.add(line);
                }
            } catch (IOException e) {
                // Process gone.
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Waits until the pumps have read everything the process wrote: they end at EOF. A fixed 50 ms was not enough
     * for a big output on a loaded host ('logs' of a flooded console: up to a pipe's worth of its last lines were
     * still unread). Bounded, and no failure past it: a descendant the command left running (a guest's VMM) may hold
     * the pipe open, and what the command itself wrote is read by then.
     */
    private void awaitPumps() throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (Thread t : List.of(outPump, errPump)) {
            t.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
        }
    }

    public void awaitOutputLine(String contains, Duration timeout) {
        try {
            await("a line containing \"" + contains + "\"")
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(200))
                    .failFast("vmlaunch exited", () -> !process.isAlive() && !hasLine(contains))
                    .until(() -> hasLine(contains));
        } catch (org.awaitility.core.ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            throw new AssertionError(e.getMessage() + "\n" + tail(), e);
        }
    }

    private boolean hasLine(String contains) {
        return out.stream().anyMatch(l -> l.contains(contains)) || err.stream().anyMatch(l -> l.contains(contains));
    }

    public void signal(String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid()))
                .inheritIO()
                .start()
                .waitFor();
    }

    public int waitFor(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("vmlaunch still running after " + timeout + ": " + tail());
        }
        awaitPumps();
        return process.exitValue();
    }

    /** What the process reads on stdin. */
    public java.io.OutputStream stdin() {
        return process.getOutputStream();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String stdoutText() {
        return String.join("\n", out);
    }

    public int exitCode() {
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    public List<String> stdout() {
        return out;
    }

    public List<String> stderr() {
        return err;
    }

    public String stderrText() {
        return String.join("\n", err);
    }

    public String transcript() {
        return "stdout:\n" + String.join("\n", out) + "\nstderr:\n" + String.join("\n", err);
    }

    private String tail() {
        List<String> all = new ArrayList<>(out);
        all.addAll(err);
        return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
