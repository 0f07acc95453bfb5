package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.console.ConsoleEnding;
import dev.vmlaunch.console.ConsoleServer;
import dev.vmlaunch.console.PseudoTerminal;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A detached kvmtool guest's console. kvmtool's serial console is its stdin/stdout (term.c), so it runs on a
 * pseudo-terminal the supervisor owns: the slave is kvmtool's stdin, stdout and stderr; the master is pumped into
 * console.log (capped by {@link LogRotation}, as QEMU's logfile is) and served on console.sock
 * ({@link ConsoleServer}), so {@code vmlaunch console} and {@code logs -f} work as for a qemu guest.
 *
 * <p>Reading the stream on the way: kvmtool's own "Error:" lines arrive here too (its stderr is the terminal), and
 * are handed to {@code onSetupLine} until the guest kernel starts printing — after that a line saying "Error:" may be
 * the guest's own, and the guest must not be able to make vmlaunch kill it or misreport it. The kernel's last word
 * on how it ends ({@link ConsoleEnding}) and kvmtool's "KVM session ended normally" are kept for the exit record.
 * Everything is bounded: lines are looked at up to {@link #MAX_LINE} bytes, output reaches clients without blocking.
 */
final class LkvmConsole implements AutoCloseable {
    static final int MAX_LINE = 4096;
    static final String SESSION_ENDED = "KVM session ended normally";
    /** The guest kernel's first lines: "Linux version ..." or a printk timestamp "[    0.000000] ...". */
    private static final Pattern KERNEL_LINE = Pattern.compile("^(Linux version |\\[\\s*\\d+\\.\\d+\\] ).*");

    private final PseudoTerminal pty;
    private final ConsoleServer server;
    private final FileChannel logFile;
    private final Consumer<String> onSetupLine;
    private final Consumer<String> log;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLen;
    private boolean kernelStarted;
    private volatile ConsoleEnding ending;
    private volatile String endingLine;
    private volatile boolean sessionEnded;
    private Thread pump;

    private LkvmConsole(
            PseudoTerminal pty,
            ConsoleServer server,
            FileChannel logFile,
            Consumer<String> onSetupLine,
            Consumer<String> log) {
        this.pty = pty;
        this.server = server;
        this.logFile = logFile;
        this.onSetupLine = onSetupLine;
        this.log = log;
    }

    /**
     * Opens the terminal, console.log (appending: LogRotation truncates it underneath) and console.sock.
     *
     * @param onSetupLine kvmtool's lines before the guest kernel prints (its setup errors)
     */
    static LkvmConsole open(Path consoleLog, Path consoleSocket, Consumer<String> onSetupLine, Consumer<String> log) {
        return open(PseudoTerminal.open(), consoleLog, consoleSocket, onSetupLine, log);
    }

    /** On {@code pty} (tests: a fake terminal). */
    static LkvmConsole open(
            PseudoTerminal pty,
            Path consoleLog,
            Path consoleSocket,
            Consumer<String> onSetupLine,
            Consumer<String> log) {
        FileChannel f = null;
        try {
            f = FileChannel.open(
                    consoleLog,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND,
                    LinkOption.NOFOLLOW_LINKS);
            ConsoleServer server = ConsoleServer.start(consoleSocket, (b, n) -> pty.write(b, 0, n), log);
            return new LkvmConsole(pty, server, f, onSetupLine, log);
        } catch (IOException e) {
            pty.close();
            closeQuietly(f);
            throw VmlaunchException.hostNotReady("cannot set up the console of the guest (" + consoleLog + ", "
                    + consoleSocket + "): " + e.getMessage());
        }
    }

    /** kvmtool's stdin, stdout and stderr. */
    File terminal() {
        return pty.slave().toFile();
    }

    /** The child has the terminal open: let go of ours (the master reads EIO once the child's is closed) and pump. */
    void started() {
        // Only now: kvmtool was forked with SIGHUP at its default, as it would be started from a shell.
        ignoreHangups();
        pty.releaseSlave();
        pump = new Thread(this::pumpLoop, "vmlaunch-lkvm-console");
        pump.setDaemon(true);
        pump.start();
    }

    /** Waits until everything kvmtool wrote is in console.log (it has exited), at most {@code timeout}. */
    void awaitDrained(Duration timeout) {
        if (pump == null) {
            return;
        }
        try {
            pump.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The kernel's last word on how the guest ends. */
    ConsoleEnding.Seen seen() {
        return new ConsoleEnding.Seen(true, ending, endingLine);
    }

    /** kvmtool printed "KVM session ended normally". */
    boolean sessionEnded() {
        return sessionEnded;
    }

    private void pumpLoop() {
        byte[] buf = new byte[8192];
        try {
            while (true) {
                int n = pty.read(buf);
                if (n < 0) {
                    break;
                }
                try {
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                    while (b.hasRemaining()) {
                        logFile.write(b);
                    }
                } catch (IOException e) {
                    log.accept("cannot write the console log: " + e.getMessage());
                }
                scan(buf, n);
                server.broadcast(buf, n);
            }
        } catch (IOException e) {
            log.accept("the console ended: " + e.getMessage());
        }
        if (lineLen > 0) {
            endLine();
        }
        // Attached clients see the console close, as when QEMU ends.
        server.close();
    }

    private void scan(byte[] buf, int n) {
        for (int i = 0; i < n; i++) {
            byte c = buf[i];
            if (c == '\n') {
                endLine();
            } else if (c != '\r') {
                if (lineLen == MAX_LINE) {
                    endLine();
                }
                line[lineLen++] = c;
            }
        }
    }

    private void endLine() {
        String l = new String(line, 0, lineLen, StandardCharsets.ISO_8859_1);
        lineLen = 0;
        if (!kernelStarted && KERNEL_LINE.matcher(l).matches()) {
            kernelStarted = true;
        }
        if (!kernelStarted) {
            onSetupLine.accept(l);
        }
        ConsoleEnding next = ConsoleEnding.fold(ending, l);
        if (next != ending) {
            ending = next;
            endingLine = dev.vmlaunch.driver.VmmOutputTail.printable(l.length() > 200 ? l.substring(0, 200) : l);
        }
        if (l.contains(SESSION_ENDED)) {
            sessionEnded = true;
        }
    }

    /**
     * ProcessBuilder opens the redirect files in this process without O_NOCTTY, and a detached supervisor leads its
     * own session without a terminal: the kernel makes kvmtool's terminal this process's controlling terminal, and
     * closing the master afterwards hangs it up and sends us SIGHUP, on which the JVM exits (measured: the
     * supervisor died before recording the end). A daemon has no use for SIGHUP; ignore it (from the moment the
     * terminal is its controlling one, after kvmtool was forked: dispositions are inherited). Only a session leader
     * gains a controlling terminal by opening one: a {@code test} or {@code lab} started from a shell is none, and
     * keeps its SIGHUP handling (it stops its guests, StopSignals).
     */
    private static void ignoreHangups() {
        if (!sessionLeader()) {
            return;
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sun.misc.SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException e) {
            // -Xrs or a JVM that reserves it: the supervisor then must not be a session leader (it is not in tests).
        }
    }

    /** This process leads its session: /proc/self/stat's session field (6th) is its pid. */
    static boolean sessionLeader() {
        try {
            String stat = java.nio.file.Files.readString(
                    dev.vmlaunch.host.HostRoots.KERNEL.self().resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[3]) == ProcessHandle.current().pid();
        } catch (IOException | RuntimeException e) {
            // Unknown: ignoring SIGHUP is the safe side for a supervisor.
            return true;
        }
    }

    @Override
    public void close() {
        server.close();
        pty.close();
        closeQuietly(logFile);
    }

    private static void closeQuietly(FileChannel f) {
        if (f != null) {
            try {
                f.close();
            } catch (IOException e) {
                // Nothing to flush.
            }
        }
    }
}
