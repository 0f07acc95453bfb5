package dev.vmlaunch.lab;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the x86 lab checks of a detached kvmtool guest ({@code --lkvm}) beyond run/list/status/stop: its console
 * answers on console.sock (a line typed there runs in the guest's shell), {@code pause} and {@code resume} take
 * effect as kvmtool itself reports it, and {@code lkvm list} beside {@code vmlaunch list} shows the same guest. Each
 * check's output goes to the lab folder. Returns the number of failed checks.
 */
final class LabLkvmChecks {
    /** The shell computes it, so seeing the answer proves the line ran (the echo of the typed line does not hold it). */
    private static final String TYPED = "echo $((6*7))-from-the-console";

    private static final String ANSWER = "42-from-the-console";
    private static final Duration CONSOLE_WAIT = Duration.ofSeconds(90);
    private static final int MAX_OUTPUT = 64 * 1024;

    private final String name;
    private final Path labDir;
    private final String lkvm;
    private final Consumer<String> progress;
    private final LabInside.Commands commands;

    LabLkvmChecks(String name, Path labDir, String lkvm, Consumer<String> progress, LabInside.Commands commands) {
        this.name = name;
        this.labDir = labDir;
        this.lkvm = lkvm;
        this.progress = progress;
        this.commands = commands;
    }

    int run() throws IOException {
        int failures = 0;
        failures += console() ? 0 : 1;
        LabInside.Result pause = commands.run("detached-pause.txt", "detached-pause.txt", "pause", name);
        failures +=
                check(pause.code() == 0 && pause.out().contains(name + ": paused"), "pause " + name + " says paused");
        failures += check(
                commands.run("detached-list-paused.txt", "detached-list-paused.txt", "list")
                        .out()
                        .lines()
                        .anyMatch(l -> l.contains(name) && l.contains("paused")),
                "vmlaunch list shows " + name + " paused");
        failures += check(
                lkvmList("detached-lkvm-list-paused.txt")
                        .lines()
                        .anyMatch(l -> l.contains(name) && l.contains("paused")),
                "lkvm list shows " + name + " paused");
        LabInside.Result resume = commands.run("detached-resume.txt", "detached-resume.txt", "resume", name);
        failures += check(
                resume.code() == 0 && resume.out().contains(name + ": running"), "resume " + name + " says running");
        failures += check(
                lkvmList("detached-lkvm-list.txt").lines().anyMatch(l -> l.contains(name) && l.contains("running")),
                "lkvm list shows " + name + " running again");
        failures += console() ? 0 : 1;
        return failures;
    }

    private int check(boolean ok, String what) {
        progress.accept((ok ? "ok: " : "FAIL: ") + what);
        return ok ? 0 : 1;
    }

    /** Types {@link #TYPED} on console.sock and waits for the shell's answer. */
    private boolean console() {
        Path sock = dev.vmlaunch.supervise.GuestDir.of(dev.vmlaunch.state.StateRoot.resolve(System.getenv()), name)
                .layout(dev.vmlaunch.vmm.RunLayout.ConsoleMode.SOCKET)
                .consoleSocket();
        StringBuilder got = new StringBuilder();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ch.write(ByteBuffer.wrap(("\r" + TYPED + "\r").getBytes(StandardCharsets.US_ASCII)));
            ch.configureBlocking(false);
            ByteBuffer b = ByteBuffer.allocate(4096);
            long end = System.nanoTime() + CONSOLE_WAIT.toNanos();
            while (!got.toString().contains(ANSWER) && System.nanoTime() < end && got.length() < MAX_OUTPUT) {
                b.clear();
                int n = ch.read(b);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    // Non-blocking read of a socket: nothing to wait on but time.
                    Thread.sleep(50);
                }
                got.append(new String(b.array(), 0, Math.max(0, n), StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            got.append("(").append(e.getMessage()).append(")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.writeString(labDir.resolve("detached-console.txt"), got.toString(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            progress.accept("could not keep the console transcript: " + e.getMessage());
        }
        return check(
                        got.toString().contains(ANSWER),
                        "typed '" + TYPED + "' on console.sock, the guest's shell answered " + ANSWER)
                == 0;
    }

    /** kvmtool's own {@code lkvm list}, with this JVM's HOME (where the guest's socket is). */
    private String lkvmList(String file) throws IOException {
        Path out = labDir.resolve(file);
        Process p = new ProcessBuilder(List.of(lkvm, "list"))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                progress.accept("lkvm list did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        String text;
        try (InputStream in = Files.newInputStream(out)) {
            text = new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8);
        }
        progress.accept("$ " + lkvm + " list");
        text.lines().filter(l -> !l.isBlank()).forEach(l -> progress.accept("    " + l));
        return text;
    }
}
