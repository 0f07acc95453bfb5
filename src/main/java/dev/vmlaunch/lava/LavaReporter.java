package dev.vmlaunch.lava;

import dev.vmlaunch.vmm.Executables;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Hands test cases to LAVA. Inside a LAVA test shell {@code lava-test-case} is on PATH: it records each case in the
 * shell's result folder and prints the signal, which this copies to stdout (the console LAVA reads). Elsewhere (a
 * chroot, a plain terminal, CI) the signal lines themselves go to stdout, which is all lava-dispatcher reads from a
 * serial console anyway. When lava-test-case fails or hangs, the case is printed as a signal line instead, so no
 * result is lost.
 */
public final class LavaReporter {
    static final String LAVA_TEST_CASE = "lava-test-case";
    private static final long LIMIT_SECONDS = 30;
    private static final int MAX_OUTPUT = 64 * 1024;

    private LavaReporter() {}

    /** Which way the cases went: through lava-test-case (its path) or as signal lines on stdout (empty). */
    public static Optional<Path> report(
            List<LavaTestCase> cases, Map<String, String> env, PrintWriter out, PrintWriter err) {
        Optional<Path> tool = Executables.find(LAVA_TEST_CASE, env.get("PATH"));
        for (LavaTestCase c : cases) {
            if (tool.isEmpty() || !viaTool(tool.get(), c, out, err)) {
                out.println(c.signalLine());
            }
        }
        out.flush();
        err.flush();
        return tool;
    }

    private static boolean viaTool(Path tool, LavaTestCase c, PrintWriter out, PrintWriter err) {
        Path log = null;
        try {
            log = Files.createTempFile("vmlaunch-lava-", ".out");
            Process p = new ProcessBuilder(c.lavaTestCaseArgv(tool.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                err.println("vmlaunch: " + tool + " " + c.id() + " did not finish in " + LIMIT_SECONDS
                        + " s; printing the signal line instead");
                return false;
            }
            String text = head(log);
            out.print(text.endsWith("\n") || text.isEmpty() ? text : text + "\n");
            if (p.exitValue() != 0) {
                err.println("vmlaunch: " + tool + " " + c.id() + " exited " + p.exitValue()
                        + "; printing the signal line instead");
                return false;
            }
            return true;
        } catch (IOException e) {
            err.println("vmlaunch: cannot run " + tool + ": " + e.getMessage() + "; printing the signal line instead");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    private static String head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8);
        }
    }
}
