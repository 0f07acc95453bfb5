package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in-process: what a user sees on stdout and stderr, and the exit code. */
class CliTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void printJsonIsTheArgvAsAJsonArray() throws Exception {
        Result r = run("print", "--json", "examples/smmute-virt1.json");
        assertEquals(0, r.code(), r.err());
        JsonNode argv = new ObjectMapper().readTree(r.out());
        assertTrue(argv.isArray());
        assertTrue(r.out().endsWith("]" + System.lineSeparator()), "a line of its own: " + r.out());
        assertEquals("/mnt/kvmtool/lkvm", argv.get(0).asText());
        assertEquals("run", argv.get(1).asText());
        assertTrue(
                r.err().contains("warning: examples/smmute-virt1.json: $.kernel: no such file: /mnt/Image"), r.err());
    }

    @Test
    void printQuotesArgumentsForTheShell() {
        Result r = run("print", "examples/smmute-virt1.json");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--params 'console=ttyS0 --earlycon=uart,mmio,0x1000000 root=/dev/vda'"), r.out());
    }

    @Test
    void configErrorsAreOneLineEachWithExitCode2AndNoStackTrace() throws Exception {
        Path f = dir.resolve("g.json");
        Files.writeString(f, "{\"name\":\"g\",\"vmm\":\"qemu\",\"cpus\":0,\"colour\":1}");
        Result r = run("print", f.toString());
        assertEquals(2, r.code());
        assertEquals("", r.out());
        String[] lines = r.err().strip().split("\n");
        assertEquals(2, lines.length, r.err());
        assertTrue(lines[0].startsWith(f + ":1:"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --debug");
    }

    @Test
    void missingFileIsAConfigError() {
        Result r = run("check", dir.resolve("nope.json").toString());
        assertEquals(2, r.code());
        assertEquals(dir.resolve("nope.json") + ": no such file", r.err().strip());
    }

    @Test
    void checkListsEveryMissingFileAndExits2() throws Exception {
        Path f = dir.resolve("g.json");
        Files.writeString(f, "{\"name\":\"g\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"kernel\":\"k\",\"initrd\":\"i\"}");
        Result r = run("check", f.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("$.kernel: no such file: " + dir.resolve("k")), r.err());
        assertTrue(r.err().contains("$.initrd: no such file: " + dir.resolve("i")), r.err());
    }

    @Test
    void checkPassesForAGuestWhoseFilesExist() throws Exception {
        Files.writeString(dir.resolve("k"), "kernel");
        Path f = dir.resolve("g.json");
        Files.writeString(f, "{\"name\":\"g\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"kernel\":\"k\"}");
        Result r = run("check", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("is ready to run"), r.out());
    }

    @Test
    void aMissingVmmBinaryIsHostNotReady() throws Exception {
        Path f = dir.resolve("g.json");
        Files.writeString(f, "{\"name\":\"g\",\"vmm\":\"lkvm\",\"binary\":\"/nonexistent/lkvm\"}");
        Result r = run("check", f.toString());
        assertEquals(3, r.code(), r.err());
        assertTrue(
                r.err().contains("vmlaunch: /nonexistent/lkvm not found\n  fix: kvmtool is not packaged in Debian 12"),
                r.err());
    }

    @Test
    void unknownCommandAndOptionAreUsageErrors() {
        Result r = run("frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Try 'vmlaunch --help'"), r.err());
        Result o = run("print", "--jsn", "x.json");
        assertEquals(2, o.code());
        assertTrue(o.err().startsWith("vmlaunch print: "), o.err());
    }

    @Test
    void helpAndVersion() {
        Result h = run("--help");
        assertEquals(0, h.code());
        assertTrue(h.out().contains("Exit codes:"), h.out());
        Result p = run("print", "--help");
        assertTrue(p.out().contains("--json"), p.out());
        Result v = run("--version");
        assertTrue(v.out().startsWith("vmlaunch "), v.out());
    }
}
