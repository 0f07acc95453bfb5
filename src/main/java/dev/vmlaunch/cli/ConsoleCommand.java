package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.RecordedGuests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "console",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Attach this terminal to the console of a detached guest (run -d; qemu or lkvm).",
            "Detach with Ctrl-] (the guest keeps running). Every other key, Ctrl-C included, goes to the guest.",
            "QEMU serves one console client at a time, vmlaunch serves a kvmtool guest's to up to four at once (so that "
                    + "'stop' can type its command while you are attached). Everything the guest prints is also in 'vmlaunch logs NAME'."
        })
public final class ConsoleCommand implements Callable<Integer> {
    /** Ctrl-], as telnet and virsh console use it. */
    static final int DETACH = 0x1d;

    @Parameters(paramLabel = "NAME", description = "The guest.")
    String name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        RecordedGuests.Record r = RecordedGuests.find(StateRoot.resolve(), name)
                .orElseThrow(() -> VmlaunchException.usage("no guest named \"" + name + "\" (see 'vmlaunch list')"));
        if (r.isBroken()) {
            throw VmlaunchException.failure("guest \"" + name + "\": " + r.broken());
        }
        GuestState s = r.state();
        if (!r.vmmAlive()) {
            throw VmlaunchException.failure("guest \"" + name + "\" is not running ("
                    + r.shown().json() + "); its console output is in 'vmlaunch logs " + name + "'");
        }
        if (s.consoleSocket() == null) {
            throw VmlaunchException.usage("guest \"" + name + "\" has no console socket: "
                    + (s.foreground()
                            ? "it runs in the foreground, its console is the terminal it was started on"
                            : "it has \"console\": \"none\""));
        }
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(Path.of(s.consoleSocket())));
        } catch (IOException e) {
            ch.close();
            throw VmlaunchException.failure(
                    "cannot connect to the console of \"" + name + "\" (" + s.consoleSocket() + "): " + e.getMessage());
        }
        err.println(
                "vmlaunch: connected to the console of \"" + name + "\"; Ctrl-] detaches (the guest keeps running)");
        err.flush();
        CompletableFuture<String> done = new CompletableFuture<>();
        Optional<TerminalMode> raw = TerminalMode.rawIfTerminal();
        try {
            daemon(() -> guestToTerminal(ch, System.out, done), "vmlaunch-console-out");
            daemon(() -> terminalToGuest(System.in, ch, done), "vmlaunch-console-in");
            String why = done.get();
            raw.ifPresent(TerminalMode::close);
            err.println();
            err.println("vmlaunch: " + why);
            err.flush();
        } finally {
            raw.ifPresent(TerminalMode::close);
            ch.close();
        }
        return ExitCodes.OK;
    }

    private static void guestToTerminal(SocketChannel ch, OutputStream out, CompletableFuture<String> done) {
        ByteBuffer b = ByteBuffer.allocate(8192);
        try {
            while (!done.isDone()) {
                b.clear();
                int n = ch.read(b);
                if (n < 0) {
                    break;
                }
                out.write(b.array(), 0, n);
                out.flush();
            }
            done.complete("the console closed (the guest has ended)");
        } catch (IOException e) {
            done.complete(done.isDone() ? "detached" : "console connection lost: " + e.getMessage());
        }
    }

    private static void terminalToGuest(InputStream in, SocketChannel ch, CompletableFuture<String> done) {
        byte[] buf = new byte[1024];
        try {
            while (!done.isDone()) {
                int n = in.read(buf);
                if (n < 0) {
                    done.complete("detached (end of input)");
                    return;
                }
                int cut = -1;
                for (int i = 0; i < n; i++) {
                    if ((buf[i] & 0xff) == DETACH) {
                        cut = i;
                        break;
                    }
                }
                ByteBuffer b = ByteBuffer.wrap(buf, 0, cut < 0 ? n : cut);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (cut >= 0) {
                    done.complete("detached");
                    return;
                }
            }
        } catch (IOException e) {
            done.complete("console connection lost: " + e.getMessage());
        }
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
