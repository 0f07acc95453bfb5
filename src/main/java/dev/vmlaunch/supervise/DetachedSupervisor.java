package dev.vmlaunch.supervise;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.JvmFlags;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.state.StateRoot;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code run -d}: starts {@link DetachedSupervisorMain} in its own JVM (small heap, its own session, no terminal), waits for
 * its one-line report and returns once the guest is up — or throws with the supervisor's reason.
 */
public final class DetachedSupervisor {
    /** On top of the ready timeout: the supervisor's JVM has to start first. */
    private static final Duration JVM_START = Duration.ofSeconds(30);

    /** What {@code run -d} reports. */
    public record Launched(String name, long vmmPid, long supervisorPid) {}

    private DetachedSupervisor() {}

    public static Launched launch(Path guestJson, Path stateRoot, String name, Duration readyTimeout) {
        StateRoot.ensureDir(stateRoot);
        Path stderr = stateRoot.resolve(
                ".supervisor-" + name + "-" + ProcessHandle.current().pid() + ".log");
        List<String> cmd = command(stateRoot, readyTimeout, stderr, guestJson.toAbsolutePath());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot start the supervisor (" + cmd.get(0) + "): " + e.getMessage());
        }
        CompletableFuture<String> report = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        report.complete(r.readLine());
                    } catch (IOException e) {
                        report.complete(null);
                    }
                },
                "vmlaunch-supervisor-report");
        reader.setDaemon(true);
        reader.start();
        String line;
        Duration wait = readyTimeout.plus(JVM_START);
        try {
            line = report.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw VmlaunchException.failure("the supervisor of \"" + name + "\" (pid " + p.pid()
                    + ") said nothing within "
                    + wait.toSeconds() + " s; see " + stateRoot.resolve(name).resolve("supervisor.log")
                    + " and 'vmlaunch stop " + name + "'");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw VmlaunchException.failure("interrupted while waiting for the supervisor of \"" + name + "\"");
        } catch (ExecutionException e) {
            line = null;
        }
        if (line != null && line.startsWith("READY ")) {
            String[] f = line.split(" ");
            return new Launched(name, Long.parseLong(f[1]), Long.parseLong(f[2]));
        }
        if (line != null && line.startsWith("FAILED ")) {
            String rest = line.substring(7);
            int sp = rest.indexOf(' ');
            int code = ExitCodes.FAILURE;
            String msg = rest;
            if (sp > 0) {
                try {
                    code = Integer.parseInt(rest.substring(0, sp));
                    msg = rest.substring(sp + 1);
                } catch (NumberFormatException ignored) {
                    // Keep the whole line as the message.
                }
            }
            waitQuietly(p);
            deleteQuietly(stderr);
            throw new VmlaunchException(code, msg);
        }
        waitQuietly(p);
        String tail = tail(stderr);
        throw VmlaunchException.failure("the supervisor of \"" + name + "\" exited without starting the guest"
                + (line == null ? "" : " (it said: " + line.substring(0, Math.min(line.length(), 200)) + ")")
                + (tail.isEmpty() ? "" : ": " + tail) + (Files.exists(stderr) ? " (see " + stderr + ")" : ""));
    }

    static List<String> command(Path stateRoot, Duration readyTimeout, Path stderr, Path guestJson) {
        List<String> cmd = new ArrayList<>(OwnSession.prefix());
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small and quiet (see dev/vmlaunch/jvm/supervisor.args): measured on JDK 17, -Xint would save 4 MB more but
        // makes run -d ~50% slower.
        cmd.addAll(JvmFlags.supervisor());
        // The same class path as this JVM: the jar for ./vmlaunch (java -jar), whatever a test or IDE used otherwise.
        String classPath = System.getProperty("java.class.path");
        Path jar = ownJar();
        if (jar != null && Path.of(classPath).toAbsolutePath().normalize().equals(jar)) {
            JvmFlags.supervisorArchiveFlag(jar).ifPresent(cmd::add);
        }
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(DetachedSupervisorMain.class.getName());
        cmd.add(stateRoot.toString());
        cmd.add(Long.toString(readyTimeout.toMillis()));
        cmd.add(stderr.toString());
        cmd.add(guestJson.toString());
        return cmd;
    }

    /** The jar this code runs from, or null when it runs from a class folder (tests, an IDE). */
    static Path ownJar() {
        return dev.vmlaunch.OwnJar.find().orElse(null);
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()))
                    .trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static void waitQuietly(Process p) {
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // A leftover log in the state root.
        }
    }
}
