package dev.vmlaunch.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Runs {@code modprobe <module>}. */
public final class ModprobeLoader implements ModuleLoader {
    private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    @Override
    public void load(String module) throws IOException {
        if (!MODULE.matcher(module).matches()) {
            throw new IllegalArgumentException("not a module name: " + module);
        }
        Process p = new ProcessBuilder(List.of("modprobe", module)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("modprobe " + module + " did not finish in 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("modprobe " + module + " failed (exit " + p.exitValue() + ")"
                        + (output.isEmpty() ? "" : ": " + output));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading " + module, e);
        }
    }
}
