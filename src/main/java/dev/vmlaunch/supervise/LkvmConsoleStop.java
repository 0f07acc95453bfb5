package dev.vmlaunch.supervise;

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
 */
final class LkvmConsoleStop implements StopPolicy.Step {
    private static final byte KILL_LINE = 0x15;

    private final Path ipcSocket;
    private final Path consoleSocket;
    private final String command;

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
        ByteBuffer b = ByteBuffer.allocate(cmd.length + 2).put(KILL_LINE).put(cmd).put((byte) '\r').flip();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(consoleSocket));
            // A few bytes into an empty socket buffer: this write does not block.
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        return true;
    }

    @Override
    public String ended(int sent, Duration took) {
        return name() + "; kvmtool exited " + String.format(Locale.ROOT, "%.1f s", took.toMillis() / 1000.0)
                + " later";
    }
}
