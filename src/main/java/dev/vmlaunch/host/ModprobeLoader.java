package dev.vmlaunch.host;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Runs {@code modprobe <module>} with a deadline (through {@link BoundedCommand}). A modprobe that hangs (a module whose init blocks, a udev
 * rule that waits) is killed, with whatever it started, when the deadline passes: it must neither hold vmlaunch
 * forever nor outlive it.
 */
public final class ModprobeLoader implements ModuleLoader {
    private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** modprobe's messages are a few lines; more is noise we do not keep in memory. */
    static final int MAX_OUTPUT = 16 * 1024;

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
        BoundedCommand.Result r = BoundedCommand.runMerged(argv, timeout, MAX_OUTPUT);
        if (r.timedOut()) {
            throw new IOException("modprobe " + module + " " + r.failure());
        }
        String text = r.out().trim();
        if (!r.ok()) {
            throw new IOException("modprobe " + module + " " + r.failure() + (text.isEmpty() ? "" : ": " + text));
        }
    }
}
