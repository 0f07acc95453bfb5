package dev.vmlaunch.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A guest console for tests: a scripted shell that behaves like busybox ash on a serial line as far as the console
 * driver can tell — it echoes what is typed (CR CR LF at Enter), prints its prompt only when Enter is pressed (the
 * boot prompt was printed before anyone attached), may ask for a login first, and answers a fenced command with
 * the fences and what {@code commands} returns for the command between them (empty: it never finishes).
 */
final class FakeShell implements ConsoleChannel {
    record Reply(String output, int status) {}

    private static final Pattern FENCED = Pattern.compile("printf '%s-%s\\\\n' vmlaunch-begin ([0-9a-f]+); (.*); "
            + "printf '%s-%s %s\\\\n' vmlaunch-end \\1 \"\\$\\?\"");

    private enum State {
        LOGIN,
        PASSWORD,
        SHELL
    }

    private final Function<String, Optional<Reply>> commands;
    private final LinkedBlockingQueue<byte[]> out = new LinkedBlockingQueue<>();
    private final StringBuilder line = new StringBuilder();
    final List<String> typedLines = new CopyOnWriteArrayList<>();
    final List<String> commandsRun = new CopyOnWriteArrayList<>();
    final AtomicInteger ctrlC = new AtomicInteger();
    String prompt = "fake:/# ";
    /** How long login takes to ask for the password (a slow guest); zero: at once. */
    Duration passwordPromptDelay = Duration.ZERO;
    /**
     * How long after a command's end marker the prompt comes; what is typed before it is lost, as on hvc0 when a
     * line arrived while the shell set up its line editor. Zero: the prompt comes with the end marker.
     */
    Duration promptAfterCommandDelay = Duration.ZERO;
    /** Bytes typed while the shell was not reading (see {@link #promptAfterCommandDelay}). */
    final AtomicInteger lostBytes = new AtomicInteger();
    /** Printed into every reply's output after its first line, as a kernel message on the same console would be. */
    String kernelNoise;

    private String user;
    private String password;
    private State state = State.SHELL;
    private volatile boolean closed;
    private volatile boolean deaf;
    private byte[] pending;

    FakeShell(Function<String, Optional<Reply>> commands) {
        this.commands = commands;
    }

    /** A getty first: "buildroot login: ", then "Password: " when {@code password} is not null. */
    FakeShell withLogin(String user, String password) {
        this.user = user;
        this.password = password;
        state = State.LOGIN;
        print("\r\nWelcome to Buildroot\r\nbuildroot login: ");
        return this;
    }

    void print(String s) {
        out.add(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Until the console closes, prints a kernel message every {@code period}, each in two writes cut inside its
     * timestamp, as printk on a slow console often arrives.
     */
    void kernelStorm(Duration period, String message) {
        Thread t = new Thread(() -> {
            for (int i = 0; !closed; i++) {
                print("[  " + (100 + i) + ".12");
                print("3456] " + message + " " + i + "\r\n");
                try {
                    Thread.sleep(period.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** The guest closes its console (kvmtool exits). */
    void hangUp() {
        closed = true;
        out.add(new byte[0]);
    }

    @Override
    public int read(byte[] buf, Duration timeout) throws IOException {
        byte[] b = pending;
        pending = null;
        if (b == null) {
            try {
                b = out.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
        if (b == null) {
            return closed ? -1 : 0;
        }
        if (b.length == 0 && closed) {
            return -1;
        }
        int n = Math.min(buf.length, b.length);
        System.arraycopy(b, 0, buf, 0, n);
        if (n < b.length) {
            pending = java.util.Arrays.copyOfRange(b, n, b.length);
        }
        return n;
    }

    @Override
    public synchronized void write(byte[] bytes, Duration timeout) throws IOException {
        if (closed) {
            throw new IOException("Broken pipe");
        }
        for (byte x : bytes) {
            char c = (char) (x & 0xff);
            if (deaf) {
                lostBytes.incrementAndGet();
            } else if (c == 3) {
                ctrlC.incrementAndGet();
                print("^C\r\n" + prompt);
            } else if (c == '\r') {
                String l = line.toString();
                line.setLength(0);
                typedLines.add(l);
                print(state == State.PASSWORD ? "\r\n" : "\r\r\n");
                enter(l);
            } else {
                line.append(c);
                if (state != State.PASSWORD) {
                    print(String.valueOf(c));
                }
            }
        }
    }

    private void enter(String l) {
        switch (state) {
            case LOGIN -> {
                if (l.isEmpty()) {
                    print("buildroot login: ");
                } else if (l.equals(user)) {
                    state = password == null ? State.SHELL : State.PASSWORD;
                    if (password != null && !passwordPromptDelay.isZero()) {
                        later(passwordPromptDelay, () -> print("Password: "));
                        return;
                    }
                    print(password == null ? prompt : "Password: ");
                } else {
                    print("Login incorrect\r\nbuildroot login: ");
                }
            }
            case PASSWORD -> {
                state = l.equals(password) ? State.SHELL : State.LOGIN;
                print(l.equals(password) ? prompt : "Login incorrect\r\nbuildroot login: ");
            }
            case SHELL -> shell(l);
            default -> throw new IllegalStateException();
        }
    }

    private void shell(String l) {
        Matcher m = FENCED.matcher(l);
        if (!m.matches()) {
            print((l.isBlank() ? "" : "sh: " + l.split(" ")[0] + ": not found\r\n") + prompt);
            return;
        }
        String cmd = m.group(2);
        commandsRun.add(cmd);
        Optional<Reply> r = commands.apply(cmd);
        if (r.isEmpty()) {
            print("vmlaunch-begin-" + m.group(1) + "\r\n");
            return; // runs forever
        }
        String body = r.get().output().replace("\n", "\r\n");
        if (kernelNoise != null) {
            int cut = body.indexOf("\r\n") < 0 ? body.length() : body.indexOf("\r\n") / 2;
            body = body.substring(0, cut) + kernelNoise + "\r\n" + body.substring(cut);
        }
        String done = "vmlaunch-begin-" + m.group(1) + "\r\n" + body + "vmlaunch-end-" + m.group(1) + " "
                + r.get().status() + "\r\n";
        if (promptAfterCommandDelay.isZero()) {
            print(done + prompt);
            return;
        }
        deaf = true;
        print(done);
        later(promptAfterCommandDelay, () -> {
            deaf = false;
            print(prompt);
        });
    }

    /** Runs {@code then} on a thread of its own after {@code delay}, as a slow guest would print. */
    private static void later(Duration delay, Runnable then) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            then.run();
        });
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        closed = true;
    }
}
