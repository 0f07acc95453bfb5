package dev.vmlaunch.harness;

import dev.vmlaunch.VmlaunchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * A shell on a guest's console, worked by typing: wait for its prompt (logging in first when asked), then run
 * commands whose output comes back between markers with a fresh nonce ({@link FencedBlockReader}). Everything read
 * is hostile: lines are cleaned ({@link ConsoleLines}), kernel messages taken out ({@link KernelLines}), each block
 * capped, and every wait has a deadline whose message quotes the console's last lines.
 */
final class ConsoleSession implements AutoCloseable {
    /** How often to press Enter while waiting for a prompt: a prompt printed before we connected is not seen again. */
    static final Duration POKE = Duration.ofSeconds(3);
    /** No Enter this long after typing a user name or password: the next prompt may take a while under TCG. */
    private static final Duration ANSWERED = Duration.ofSeconds(10);

    /**
     * How long the console must stay quiet after the prompt before the next command is typed. The shell prints its
     * prompt before it reads: busybox's line editor then sets the terminal raw and asks where the cursor is. On hvc0
     * (virtio console; QEMU 7.2, Linux 6.1) a line typed inside that window, right after the last command's end
     * marker, was taken off the virtqueue by the guest and never reached the shell (about 1 command in 10 under CPU
     * contention). The first command, typed after {@link #awaitShell} saw the prompt, never was.
     */
    static final Duration SETTLE = Duration.ofMillis(200);

    private static final Duration SLICE = Duration.ofMillis(200);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_LOGINS = 3;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConsoleChannel channel;
    private final String guest;
    private final BooleanSupplier alive;
    private final ConsoleStream stream = new ConsoleStream();
    private final byte[] buf = new byte[16384];
    private boolean ended;
    /** The shell's prompt once {@link #awaitShell} has seen it; each later command waits for it again. */
    private Pattern prompt;

    ConsoleSession(ConsoleChannel channel, String guest, BooleanSupplier alive) {
        this.channel = channel;
        this.guest = guest;
        this.alive = alive;
    }

    /** Fresh for every command: 128 bits the guest cannot guess before the command is typed. */
    static String nonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Waits until the shell prompts, typing the login when a login prompt shows first. Presses Enter at once and
     * then whenever the console has been quiet for {@link #POKE}, since the prompt may have been printed before we
     * attached.
     */
    void awaitShell(Pattern prompt, Optional<ConsoleSpec.Login> login, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextPoke = System.nanoTime();
        long answeredAt = -1;
        long lastFed = 0;
        long quietSince = System.nanoTime();
        int logins = 0;
        boolean passwordTyped = false;
        boolean poked = false;
        while (true) {
            // Read first: a prompt already on the console needs no Enter.
            pump(null);
            long now = System.nanoTime();
            if (stream.fed() != lastFed) {
                lastFed = stream.fed();
                quietSince = now;
            }
            String last = stream.lastChars();
            if (prompt.matcher(last).find()) {
                this.prompt = prompt;
                return;
            }
            if (login.isPresent() && stream.fed() > answeredAt) {
                ConsoleSpec.Login l = login.get();
                if (l.userPrompt().matcher(last).find()) {
                    if (++logins > MAX_LOGINS) {
                        throw failure("the login as \"" + l.user() + "\" failed " + MAX_LOGINS + " times");
                    }
                    passwordTyped = false;
                    type(l.user() + "\r");
                    answeredAt = stream.fed();
                    nextPoke = now + ANSWERED.toNanos();
                } else if (!passwordTyped && l.passwordPrompt().matcher(last).find()) {
                    if (l.password() == null) {
                        throw failure(
                                "it asks for a password and the harness file gives none (console.login.password)");
                    }
                    passwordTyped = true;
                    type(l.password() + "\r");
                    answeredAt = stream.fed();
                    nextPoke = now + ANSWERED.toNanos();
                }
            }
            // Enter once at once, then only into a quiet console: an Enter typed while a slow login still starts
            // would be read as an empty password.
            if (now - nextPoke >= 0 && (!poked || now - quietSince >= POKE.toNanos())) {
                poked = true;
                type("\r");
                nextPoke = now + POKE.toNanos();
            }
            if (now - deadline >= 0) {
                throw failure("no shell prompt (/" + prompt.pattern() + "/"
                        + (login.isPresent() ? " or login prompt" : "") + ") within " + timeout.toSeconds() + " s");
            }
        }
    }

    /**
     * Types {@code command} fenced by markers and returns its output and exit status. The command must be one
     * line; a command still running at the deadline is interrupted (Ctrl-C) and the wait fails.
     */
    FencedBlockReader.Block fenced(String command, Duration timeout) throws InterruptedException {
        if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a typed command must be one line");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitPrompt(deadline, command, timeout);
        String n = nonce();
        FencedBlockReader reader = new FencedBlockReader(n);
        // printf joins the marker's two words, so the echo of this line (which holds them apart) cannot match.
        type("printf '%s-%s\\n' " + FencedBlockReader.BEGIN + " " + n + "; " + command + "; printf '%s-%s %s\\n' "
                + FencedBlockReader.END + " " + n + " \"$?\"\r");
        while (true) {
            Optional<FencedBlockReader.Block> b = pump(reader);
            if (b.isPresent()) {
                return b.get();
            }
            if (System.nanoTime() - deadline >= 0) {
                interruptQuietly();
                throw failure("\"" + Irqs.clip(command) + "\" did not finish within " + timeout.toSeconds() + " s"
                        + (reader.opened() ? "" : " (its output never began)") + "; interrupted it with Ctrl-C");
            }
        }
    }

    /**
     * Before a command: reads until the unfinished last line shows the prompt and nothing more has come for
     * {@link #SETTLE}, so that the shell is reading when the command is typed. Within the command's own deadline.
     */
    private void awaitPrompt(long deadline, String command, Duration timeout) throws InterruptedException {
        if (prompt == null) {
            return;
        }
        // Quiet is measured on the unfinished line alone: kernel messages (whole lines, taken out) may go on.
        String last = stream.lastChars();
        long quietSince = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (prompt.matcher(last).find() && now - quietSince >= SETTLE.toNanos()) {
                return;
            }
            if (now - deadline >= 0) {
                throw failure("no shell prompt (/" + prompt.pattern() + "/) to type \"" + Irqs.clip(command)
                        + "\" at within " + timeout.toSeconds() + " s");
            }
            pump(null);
            String seen = stream.lastChars();
            if (!seen.equals(last)) {
                last = seen;
                quietSince = System.nanoTime();
            }
        }
    }

    /** Reads once (at most {@link #SLICE}); feeds completed lines to {@code reader} when given. */
    private Optional<FencedBlockReader.Block> pump(FencedBlockReader reader) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (ended) {
            throw failure("its console closed");
        }
        int n;
        try {
            n = channel.read(buf, SLICE);
        } catch (IOException e) {
            throw failure("its console failed: " + e.getMessage());
        }
        if (n < 0) {
            ended = true;
            throw failure(alive.getAsBoolean() ? "its console closed" : "the guest ended");
        }
        if (n == 0 && !alive.getAsBoolean()) {
            throw failure("the guest ended");
        }
        try {
            return stream.feed(buf, n, reader);
        } catch (FencedBlockReader.BadBlock e) {
            interruptQuietly();
            throw failure("a command's output was refused: " + e.getMessage());
        }
    }

    private void type(String text) {
        try {
            channel.write(text.getBytes(StandardCharsets.UTF_8), WRITE_TIMEOUT);
        } catch (IOException e) {
            throw failure("cannot type on its console: " + e.getMessage());
        }
    }

    /** Ctrl-C to the foreground command, so the shell is back for whoever attaches next. */
    void interruptQuietly() {
        try {
            channel.write(new byte[] {3}, WRITE_TIMEOUT);
        } catch (IOException e) {
            // The failure being reported matters more.
        }
    }

    private VmlaunchException failure(String what) {
        List<String> last = stream.lastLines();
        return VmlaunchException.failure("guest \"" + guest + "\" console: " + what
                + (last.isEmpty()
                        ? " (the console printed nothing)"
                        : "; its last lines: " + String.join(" | ", last)));
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing left to do with it.
        }
    }
}
