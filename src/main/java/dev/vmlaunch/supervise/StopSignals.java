package dev.vmlaunch.supervise;

import dev.vmlaunch.host.HostRoots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The signals that mean "stop now" to a foreground vmlaunch: SIGINT (Ctrl-C), SIGTERM (kill, a service manager,
 * a container runtime) and SIGHUP (the terminal went away). Each goes to one handler, so that every one of them
 * stops the guest and gives its devices back before vmlaunch exits; without this, TERM and HUP would end the JVM at
 * once and leave the VMM running with the devices bound.
 *
 * <p>A signal the process was started with ignored ({@code nohup} ignores HUP) stays ignored, as a shell user
 * expects.
 */
public final class StopSignals {
    /** In the order they are installed; the handler hears the name ("INT", "TERM", "HUP"). */
    public static final List<String> NAMES = List.of("INT", "TERM", "HUP");

    private StopSignals() {}

    /** Routes INT, TERM and HUP (unless ignored at start) to {@code handler}; returns the names installed. */
    public static List<String> handle(Consumer<String> handler) {
        long ignored = ignoredMask(HostRoots.KERNEL.self().resolve("status"));
        List<String> installed = new java.util.ArrayList<>();
        // sun.misc.Signal spelled out, not imported: javac warns about an import of it even with the build's
        // -XDignore.symbol.file (pom.xml), and -Werror makes that fatal.
        for (String name : NAMES) {
            sun.misc.Signal sig = new sun.misc.Signal(name);
            if ((ignored & (1L << (sig.getNumber() - 1))) != 0) {
                continue;
            }
            try {
                sun.misc.Signal.handle(sig, s -> handler.accept(name));
                installed.add(name);
            } catch (IllegalArgumentException e) {
                // Reserved by the JVM (-Xrs and the like): its default stays.
            }
        }
        return installed;
    }

    /** The SigIgn bitmask of /proc/PID/status (bit N-1 for signal N); 0 when unreadable. */
    static long ignoredMask(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("SigIgn:")) {
                    return Long.parseUnsignedLong(line.substring(7).strip(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: nothing known to be ignored
        }
        return 0;
    }

    /** How a message names the signal: "Ctrl-C" for INT, else "SIGTERM", "SIGHUP". */
    public static String describe(String name) {
        return name.equals("INT") ? "Ctrl-C" : "SIG" + name;
    }
}
