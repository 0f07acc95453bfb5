package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's `./vmlaunch install --prefix DIR`, as a user runs it: the man pages the build rendered from the command
 * model read without groff warnings, the bash completion completes subcommands, bin/vmlaunch runs the launcher.
 */
class InstallIT {
    @TempDir
    Path tmp;

    @Test
    void installPutsManPagesCompletionsAndTheLauncherUnderThePrefix() throws Exception {
        SupervisionEnv env = new SupervisionEnv(tmp);
        Path prefix = tmp.resolve("prefix");

        VmlaunchProcess dry = env.vmlaunch("install", "--dry-run", "--prefix", prefix.toString());
        assertEquals(0, dry.exitCode(), dry.transcript());
        assertTrue(
                dry.stdoutText().contains("would install " + prefix.resolve("share/man/man1/vmlaunch-run.1")),
                dry.transcript());
        assertFalse(Files.exists(prefix), "a dry run writes nothing");

        VmlaunchProcess p = env.vmlaunch("install", "--prefix", prefix.toString());
        assertEquals(0, p.exitCode(), p.transcript());
        Path man1 = prefix.resolve("share/man/man1");
        for (String page :
                List.of("vmlaunch.1", "vmlaunch-run.1", "vmlaunch-host-check.1", "vmlaunch-interrupts-diff.1")) {
            Path file = man1.resolve(page);
            assertTrue(Files.isRegularFile(file), page + ": " + p.transcript());
            // -ww: every warning; -z: no output; a page troff complains about is a broken page.
            Result groff = run(List.of("groff", "-man", "-Tutf8", "-ww", "-z", file.toString()));
            assertEquals(0, groff.code(), page + ": " + groff.err());
            assertEquals("", groff.err(), page);
        }
        String runPage = run(List.of("man", "-l", man1.resolve("vmlaunch-run.1").toString()))
                .out();
        assertTrue(runPage.contains("--detach"), runPage);
        assertTrue(runPage.contains("EXIT STATUS"), runPage);
        assertFalse(Files.exists(man1.resolve("vmlaunch-lab-inside.1")), "hidden commands get no page");

        Path bash = prefix.resolve("share/bash-completion/completions/vmlaunch");
        Result completion = run(List.of(
                "bash",
                "-c",
                "source \"$1\"; COMP_WORDS=(vmlaunch host ''); COMP_CWORD=2;"
                        + " COMP_LINE='vmlaunch host '; COMP_POINT=14; _complete_vmlaunch; printf '%s\\n' \"${COMPREPLY[@]}\"",
                "complete",
                bash.toString()));
        assertEquals(
                List.of("check", "persist"), completion.out().lines().sorted().toList(), completion.err());
        assertTrue(
                Files.readString(prefix.resolve("share/vmlaunch/vmlaunch.zsh")).contains("bashcompinit"));

        Path bin = prefix.resolve("bin/vmlaunch");
        assertTrue(Files.isSymbolicLink(bin));
        Result version = run(List.of(bin.toString(), "--version"));
        assertEquals(0, version.code(), version.err());
        assertTrue(version.out().startsWith("vmlaunch "), version.out());

        VmlaunchProcess again = env.vmlaunch("install", "--prefix", prefix.toString());
        assertEquals(0, again.exitCode(), "installing twice replaces the earlier install: " + again.transcript());

        Files.delete(bin);
        Files.writeString(bin, "someone else's\n");
        Path page = man1.resolve("vmlaunch-run.1");
        Files.writeString(page, "stale\n");
        VmlaunchProcess refused = env.vmlaunch("install", "--prefix", prefix.toString());
        assertEquals(2, refused.exitCode(), refused.transcript());
        assertTrue(refused.stderrText().contains("is not a link vmlaunch made"), refused.transcript());
        assertEquals("someone else's\n", Files.readString(bin));
        assertEquals("stale\n", Files.readString(page), "a refused install changes nothing");
    }

    record Result(int code, String out, String err) {}

    private static Result run(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + argv);
        }
        return new Result(
                p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
