package dev.vmlaunch.driver;

import dev.vmlaunch.host.HostRoots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Optional;

/**
 * A process as the kernel knows it: pid plus start time ({@code /proc/PID/stat} field 22, clock ticks since boot).
 * A pid alone can be reused by an unrelated process once the guest's VMM is gone; pid + start time cannot, within
 * one boot. Across boots the boot id ({@link #bootId()}) tells records of an earlier boot apart.
 */
public record ProcessIdentity(long pid, long startTicks) {
    /** The kernel's own /proc: a process this JVM started or signals is only there, never in a faked tree. */
    private static final HostRoots KERNEL = HostRoots.KERNEL;

    /** The process with {@code pid} now, or empty when there is none (or only its zombie). */
    public static Optional<ProcessIdentity> of(long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        try {
            String stat = Files.readString(KERNEL.process(pid).resolve("stat"), StandardCharsets.US_ASCII);
            return parseStat(pid, stat);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public static ProcessIdentity current() {
        return of(ProcessHandle.current().pid())
                .orElseThrow(() -> new IllegalStateException("cannot read /proc/self/stat"));
    }

    /**
     * Parses a stat line. The command name (field 2) is in parentheses and may itself contain spaces and
     * parentheses, so the fields are counted from the last ')'. A zombie (Z) or dead (X) process is no process:
     * its VMM has ended, only its parent has not reaped it yet.
     */
    public static Optional<ProcessIdentity> parseStat(long pid, String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state); field 22 (starttime) is f[19].
        if (f.length < 20) {
            return Optional.empty();
        }
        if (f[0].equals("Z") || f[0].equals("X") || f[0].equals("x")) {
            return Optional.empty();
        }
        return Optional.of(new ProcessIdentity(pid, Long.parseLong(f[19])));
    }

    /** True while this very process runs: same pid and same start time. */
    public boolean isAlive() {
        return of(pid).map(this::equals).orElse(false);
    }

    /** This boot's id (a random UUID the kernel makes at boot); empty string if unreadable. */
    public static String bootId() {
        try {
            return Files.readString(KERNEL.proc().resolve("sys/kernel/random/boot_id"), StandardCharsets.US_ASCII)
                    .trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** The process as a handle for signals, only while it is still this process. */
    public Optional<ProcessHandle> handle() {
        if (!isAlive()) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid);
    }
}
