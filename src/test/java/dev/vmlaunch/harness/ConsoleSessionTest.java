package dev.vmlaunch.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Working a console's shell: prompts, logins, fenced commands, and every way a wait can end badly. */
class ConsoleSessionTest {
    static final Duration LONG = Duration.ofSeconds(60);
    static final Duration SHORT = Duration.ofSeconds(1);

    final AtomicBoolean alive = new AtomicBoolean(true);

    static Optional<FakeShell.Reply> echo(String cmd) {
        return cmd.startsWith("echo ")
                ? Optional.of(new FakeShell.Reply(cmd.substring(5) + "\n", 0))
                : cmd.equals("false") ? Optional.of(new FakeShell.Reply("", 1)) : Optional.empty();
    }

    ConsoleSession session(FakeShell shell) {
        return new ConsoleSession(shell, "virt1", alive::get);
    }

    @Test
    void aPromptPrintedBeforeAttachingIsFoundByPressingEnter() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        ConsoleSession s = session(shell);
        s.awaitShell(ConsoleSpec.DEFAULT_PROMPT, Optional.empty(), LONG);
        assertEquals(List.of(""), shell.typedLines, "one Enter, nothing else typed");
        FencedBlockReader.Block b = s.fenced("echo hello world", LONG);
        assertEquals(List.of("hello world"), b.lines());
        assertEquals(0, b.status());
        assertEquals(1, s.fenced("false", LONG).status());
    }

    /** A session at the prompt of {@code shell}, which prompts again only {@code delay} after each end marker. */
    ConsoleSession promptingLate(FakeShell shell, Duration delay) throws InterruptedException {
        shell.promptAfterCommandDelay = delay;
        ConsoleSession s = session(shell);
        s.awaitShell(ConsoleSpec.DEFAULT_PROMPT, Optional.empty(), LONG);
        return s;
    }

    @Test
    void aCommandIsTypedOnlyOnceTheShellHasPromptedAgain() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        // The end marker comes well before the prompt: a command typed on seeing the marker would be lost.
        ConsoleSession s = promptingLate(shell, Duration.ofMillis(700));
        assertEquals(
                List.of("one"), s.fenced("echo one", Duration.ofSeconds(10)).lines());
        assertEquals(
                List.of("two"), s.fenced("echo two", Duration.ofSeconds(10)).lines());
        assertEquals(
                List.of("three"), s.fenced("echo three", Duration.ofSeconds(10)).lines());
        assertEquals(0, shell.lostBytes.get(), "nothing was typed while the shell was not reading");
    }

    @Test
    void kernelMessagesWithoutPauseDoNotKeepTheNextCommandFromBeingTyped() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        ConsoleSession s = promptingLate(shell, Duration.ofMillis(300));
        assertEquals(
                List.of("one"), s.fenced("echo one", Duration.ofSeconds(10)).lines());
        // A message every 50 ms, each cut inside its timestamp: the shell is quiet at its prompt all the same.
        shell.kernelStorm(Duration.ofMillis(50), "e1000e: eth0 NIC Link is Up");
        try {
            assertEquals(
                    List.of("two"), s.fenced("echo two", Duration.ofSeconds(10)).lines());
            assertEquals(
                    List.of("three"),
                    s.fenced("echo three", Duration.ofSeconds(10)).lines());
        } finally {
            shell.close();
        }
        assertEquals(0, shell.lostBytes.get(), "nothing was typed while the shell was not reading");
    }

    @Test
    void aShellThatNeverPromptsAgainFailsTheNextCommandAtItsDeadline() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        ConsoleSession s = promptingLate(shell, Duration.ofHours(1));
        assertEquals(List.of("one"), s.fenced("echo one", LONG).lines());
        var e = assertThrows(VmlaunchException.class, () -> s.fenced("echo two", SHORT));
        assertTrue(
                e.getMessage().startsWith("guest \"virt1\" console: no shell prompt (/[#$] $/) to type \"echo two\""),
                e.getMessage());
        assertEquals(List.of("echo one"), shell.commandsRun, "the second command was never typed");
    }

    @Test
    void aLoginPromptIsAnsweredWithTheUserAndPassword() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo).withLogin("root", "s3cret");
        ConsoleSession s = session(shell);
        s.awaitShell(
                ConsoleSpec.DEFAULT_PROMPT,
                Optional.of(new ConsoleSpec.Login(
                        "root",
                        "s3cret",
                        ConsoleSpec.Login.DEFAULT_USER_PROMPT,
                        ConsoleSpec.Login.DEFAULT_PASSWORD_PROMPT)),
                LONG);
        assertEquals(List.of("root", "s3cret"), shell.typedLines);
        assertEquals(List.of("up"), s.fenced("echo up", LONG).lines());
    }

    @Test
    void aSlowPasswordPromptIsNotAnsweredWithAnEmptyEnter() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo).withLogin("root", "pw");
        shell.passwordPromptDelay = ConsoleSession.POKE.plusSeconds(1);
        session(shell)
                .awaitShell(
                        ConsoleSpec.DEFAULT_PROMPT,
                        Optional.of(new ConsoleSpec.Login(
                                "root",
                                "pw",
                                ConsoleSpec.Login.DEFAULT_USER_PROMPT,
                                ConsoleSpec.Login.DEFAULT_PASSWORD_PROMPT)),
                        LONG);
        assertEquals(List.of("root", "pw"), shell.typedLines);
    }

    @Test
    void aLoginWithoutPasswordGoesStraightToTheShell() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo).withLogin("root", null);
        session(shell)
                .awaitShell(
                        ConsoleSpec.DEFAULT_PROMPT,
                        Optional.of(new ConsoleSpec.Login(
                                "root",
                                null,
                                ConsoleSpec.Login.DEFAULT_USER_PROMPT,
                                ConsoleSpec.Login.DEFAULT_PASSWORD_PROMPT)),
                        LONG);
        assertEquals(List.of("root"), shell.typedLines);
    }

    @Test
    void aRefusedLoginFailsAfterThreeTriesInsteadOfLoopingUntilTheDeadline() {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo).withLogin("root", "right");
        var e = assertThrows(VmlaunchException.class, () -> session(shell)
                .awaitShell(
                        ConsoleSpec.DEFAULT_PROMPT,
                        Optional.of(new ConsoleSpec.Login(
                                "root",
                                "wrong",
                                ConsoleSpec.Login.DEFAULT_USER_PROMPT,
                                ConsoleSpec.Login.DEFAULT_PASSWORD_PROMPT)),
                        LONG));
        assertTrue(e.getMessage().contains("the login as \"root\" failed 3 times"), e.getMessage());
        assertTrue(e.getMessage().contains("Login incorrect"), "the message quotes the console: " + e.getMessage());
    }

    @Test
    void aPasswordPromptWithoutAPasswordSaysWhichFieldToSet() {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo).withLogin("root", "pw");
        var e = assertThrows(VmlaunchException.class, () -> session(shell)
                .awaitShell(
                        ConsoleSpec.DEFAULT_PROMPT,
                        Optional.of(new ConsoleSpec.Login(
                                "root",
                                null,
                                ConsoleSpec.Login.DEFAULT_USER_PROMPT,
                                ConsoleSpec.Login.DEFAULT_PASSWORD_PROMPT)),
                        LONG));
        assertTrue(e.getMessage().contains("console.login.password"), e.getMessage());
    }

    @Test
    void noPromptByTheDeadlineFailsQuotingTheConsolesLastLines() {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        shell.prompt = "weird> ";
        var e = assertThrows(VmlaunchException.class, () -> session(shell)
                .awaitShell(ConsoleSpec.DEFAULT_PROMPT, Optional.empty(), SHORT));
        assertTrue(
                e.getMessage().startsWith("guest \"virt1\" console: no shell prompt (/[#$] $/) within 1 s"),
                e.getMessage());
        assertTrue(e.getMessage().contains("weird>"), e.getMessage());
    }

    @Test
    void aCustomPromptIsWaitedFor() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        shell.prompt = "weird> ";
        session(shell).awaitShell(Pattern.compile("weird> $"), Optional.empty(), LONG);
    }

    @Test
    void aCommandThatDoesNotFinishIsInterruptedAndTheFailureSaysSo() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        ConsoleSession s = session(shell);
        s.awaitShell(ConsoleSpec.DEFAULT_PROMPT, Optional.empty(), LONG);
        var e = assertThrows(VmlaunchException.class, () -> s.fenced("sleep 1000", SHORT));
        assertTrue(
                e.getMessage().contains("\"sleep 1000\" did not finish within 1 s; interrupted it with Ctrl-C"),
                e.getMessage());
        assertEquals(1, shell.ctrlC.get());
        assertEquals(List.of("after"), s.fenced("echo after", LONG).lines(), "the shell is usable again");
    }

    @Test
    void aGuestThatEndsDuringACommandFailsTheWaitAtOnce() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        ConsoleSession s = session(shell);
        s.awaitShell(ConsoleSpec.DEFAULT_PROMPT, Optional.empty(), LONG);
        alive.set(false);
        // With a deadline this long, only noticing the end can make this return.
        var e = assertThrows(VmlaunchException.class, () -> s.fenced("sleep 1000", Duration.ofHours(1)));
        assertTrue(e.getMessage().contains("the guest ended"), e.getMessage());
    }

    @Test
    void aConsoleThatClosesFailsTheWaitAtOnce() throws Exception {
        FakeShell[] holder = new FakeShell[1];
        holder[0] = new FakeShell(cmd -> {
            holder[0].hangUp();
            return Optional.empty();
        });
        ConsoleSession s = session(holder[0]);
        s.awaitShell(ConsoleSpec.DEFAULT_PROMPT, Optional.empty(), LONG);
        var e = assertThrows(VmlaunchException.class, () -> s.fenced("poweroff -f", Duration.ofHours(1)));
        assertTrue(e.getMessage().contains("its console closed"), e.getMessage());
    }

    @Test
    void kernelMessagesInTheMiddleOfOutputAreLeftOut() throws Exception {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        shell.kernelNoise = "[   42.000001] smmute 0000:00:00.0: transaction done";
        ConsoleSession s = session(shell);
        s.awaitShell(ConsoleSpec.DEFAULT_PROMPT, Optional.empty(), LONG);
        assertEquals(
                List.of("a line of output"),
                s.fenced("echo a line of output", LONG).lines());
    }

    @Test
    void aTypedCommandMustBeOneLine() {
        FakeShell shell = new FakeShell(ConsoleSessionTest::echo);
        assertThrows(IllegalArgumentException.class, () -> session(shell).fenced("echo a\necho b", LONG));
    }
}
