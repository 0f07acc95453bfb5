package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.driver.StopPolicy;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.lkvm.LkvmIpc;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The gentle way to end a kvmtool guest: kvmtool has no power button, but when the guest's console is a shell,
 * typing {@code poweroff} (guest.json's {@code stop.consoleCommand}) there shuts it down as a person would. It is
 * typed through the supervisor's console.sock ({@link LkvmConsole}) as ^U (clear whatever is half typed) + the
 * command + Enter (\r, what a terminal sends). Skipped (nothing typed) when there is no console socket or the guest
 * is paused: a paused guest reads nothing, and the next step (IPC STOP) ends it as it is.
 *
 * <p>The connection stays open while the step waits, to read what the guest answers: under x86 kvmtool (which boots
 * Linux with {@code noacpi}) a {@code poweroff} ends in "reboot: System halted", and kvmtool keeps running the
 * halted guest (measured with kvmtool in the lab). The guest has synced and unmounted by then, so IPC STOP follows at
 * once instead of after the step's whole time. What is read is bounded by the step's time and a line length.
 */
final class LkvmConsoleStop implements StopPolicy.Step {
    private static final byte KILL_LINE = 0x15;
    static final String HALTED = "reboot: System halted";
    /** Looked for in the guest's answer, kept to a line's worth. */
    private static final int MAX_LINE = 4096;
    /** How often the answer is looked at while the step waits. */
    private static final Duration LOOK_EVERY = Duration.ofSeconds(1);

    private final Path ipcSocket;
    private final Path consoleSocket;
    private final String command;
    private SocketChannel console;
    private final StringBuilder line = new StringBuilder();
    private String halted;

    LkvmConsoleStop(Path ipcSocket, Path consoleSocket, String command) {
        this.ipcSocket = ipcSocket;
        this.consoleSocket = consoleSocket;
        this.command = command;
    }

    @Override
    public String name() {
        return "typed '" + command + "' on the console";
    }

    @Override
    public boolean request(VmmProcess vmm, Duration budget) throws Exception {
        if (console != null) {
            // A repeat: nothing is typed again, the guest's answer is read.
            readAnswer();
            return true;
        }
        if (!Files.exists(consoleSocket)) {
            return false;
        }
        try (LkvmIpc ipc = LkvmIpc.connect(ipcSocket, budget)) {
            if (ipc.vmState() == LkvmIpc.VmState.PAUSED) {
                return false;
            }
        } catch (IOException e) {
            // No answer on IPC: typing may still work.
        }
        byte[] cmd = command.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(cmd.length + 2)
                .put(KILL_LINE)
                .put(cmd)
                .put((byte) '\r')
                .flip();
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(consoleSocket));
            // A few bytes into an empty socket buffer: this write does not block.
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.configureBlocking(false);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        console = ch;
        return true;
    }

    private void readAnswer() {
        ByteBuffer b = ByteBuffer.allocate(4096);
        try {
            for (int round = 0; round < 64 && halted == null; round++) {
                b.clear();
                int n = console.read(b);
                if (n <= 0) {
                    return;
                }
                for (int i = 0; i < n; i++) {
                    char c = (char) (b.get(i) & 0xff);
                    if (c == '\n' || line.length() >= MAX_LINE) {
                        if (line.indexOf(HALTED) >= 0) {
                            halted = dev.vmlaunch.driver.VmmOutputTail.printable(line.toString());
                        }
                        line.setLength(0);
                    } else if (c != '\r') {
                        line.append(c);
                    }
                }
            }
        } catch (IOException e) {
            // The console closed: kvmtool is ending, which the wait sees.
        }
    }

    @Override
    public Duration repeatEvery() {
        return LOOK_EVERY;
    }

    @Override
    public String hopeless() {
        if (halted == null) {
            return null;
        }
        close();
        return "the guest halted (console: \"" + halted + "\"); kvmtool keeps running a halted guest, so IPC STOP now";
    }

    @Override
    public String ended(int sent, Duration took) {
        close();
        return name() + "; kvmtool exited " + String.format(Locale.ROOT, "%.1f s", took.toMillis() / 1000.0) + " later";
    }

    private void close() {
        if (console != null) {
            try {
                console.close();
            } catch (IOException e) {
                // Gone already.
            }
        }
    }
}
