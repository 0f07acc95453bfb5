package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lines FastPath takes print, to the byte, what picocli's path prints for them, with the same exit code; every
 * other line is left to picocli untouched.
 */
class FastPathTest {
    @TempDir
    static Path dir;

    record Result(Integer code, String out, String err) {}

    @BeforeAll
    static void guestFiles() throws Exception {
        Files.writeString(dir.resolve("bad-json.json"), "{\"name\": \"g\", \"vmm\": ");
        Files.writeString(
                dir.resolve("config-error.json"), "{\"name\":\"g\",\"vmm\":\"qemu\",\"cpus\":0,\"colour\":1}");
        Files.writeString(
                dir.resolve("pinned.json"),
                "{\"name\": \"p\", \"vmm\": \"qemu\", \"accel\": \"tcg\", \"cpus\": 2, \"cpuAffinity\": \"0-1\","
                        + " \"vcpuPin\": {\"0\": \"0\", \"1\": \"1\"}, \"kernel\": \"no-such-kernel\"}");
        Files.createDirectories(dir.resolve("a-folder.json"));
    }

    /** Every shape of line taken: both commands, every spelling and order of their flags, errors of every kind. */
    static List<List<String>> taken() {
        List<List<String>> lines = new ArrayList<>();
        for (String flags :
                List.of("", "--json", "-a", "--all", "--json -a", "-a --json", "--all --json", "--json --all")) {
            lines.add(List.of(words("list " + flags)));
        }
        List<String> files = List.of(
                "examples/aic100-viommu.json",
                "examples/hello-x86_64.json",
                "examples/smmute-virt1.json",
                "examples/arm-its-e1000e.json",
                dir.resolve("pinned.json").toString(),
                dir.resolve("no-such-file.json").toString(),
                dir.resolve("bad-json.json").toString(),
                dir.resolve("config-error.json").toString(),
                dir.resolve("a-folder.json").toString(),
                "relative/no-such.json");
        for (String f : files) {
            for (String flags : List.of("", "--json", "-d", "--detach", "--json -d", "--detach --json")) {
                lines.add(List.of(words("print " + flags + " " + f)));
            }
            // Options after the file, and on both sides of it.
            lines.add(List.of(words("print " + f + " --json")));
            lines.add(List.of(words("print -d " + f + " --json")));
        }
        return lines;
    }

    /** Lines that are help, usage errors, or options FastPath does not read: all of them are picocli's. */
    static List<List<String>> leftToPicocli() {
        List<List<String>> lines = new ArrayList<>();
        for (String line : List.of(
                "list --help",
                "list -h",
                "list -V",
                "list --bogus",
                "list extra",
                "list --json --json",
                "list -a --all",
                "list -aj",
                "list --json=true",
                "list --",
                "list --debug",
                "--debug list",
                "--debug print examples/aic100-viommu.json",
                "print",
                "print --json",
                "print -d --detach examples/aic100-viommu.json",
                "print a.json b.json",
                "print examples/aic100-viommu.json --bogus",
                "print -- examples/aic100-viommu.json",
                "print -dj examples/aic100-viommu.json",
                "print --json examples/aic100-viommu.json --json",
                "print --detach=true examples/aic100-viommu.json",
                "print examples/aic100-viommu.json --debug",
                "print --help",
                "print -",
                "print @args.txt",
                "--help",
                "--version",
                "help list",
                "lsit",
                "status nosuchguest")) {
            lines.add(List.of(words(line)));
        }
        lines.add(List.of());
        lines.add(List.of("print", ""));
        lines.add(List.of("print", "nul\0in-the-path.json"));
        return lines;
    }

    @ParameterizedTest
    @MethodSource("taken")
    void aTakenLinePrintsWhatPicocliPrints(List<String> line) {
        String[] args = line.toArray(String[]::new);
        Result fast = fast(args);
        assertNotNull(fast.code(), "taken: " + Arrays.toString(args));
        assertEquals(picocli(args), fast, Arrays.toString(args));
    }

    @ParameterizedTest
    @MethodSource("leftToPicocli")
    void anyOtherLineIsLeftToPicocliWithNothingWritten(List<String> line) {
        assertEquals(new Result(null, "", ""), fast(line.toArray(String[]::new)), line.toString());
    }

    @Test
    void errorsAreTheCommandsOwnReportedAsPicocliReportsThem() {
        // The cases above compare the two paths; these pin that they do go through an error, not two empty outputs.
        Result missing = fast(words("print " + dir.resolve("no-such-file.json")));
        assertEquals(new Result(2, "", dir.resolve("no-such-file.json") + ": no such file\n"), missing);
        Result config = fast(words("print " + dir.resolve("config-error.json")));
        assertEquals(2, config.code());
        assertTrue(config.err().startsWith(dir.resolve("config-error.json") + ":1:"), config.err());
        Result json = fast(words("print " + dir.resolve("bad-json.json")));
        assertEquals(2, json.code());
        assertTrue(json.err().startsWith(dir.resolve("bad-json.json") + ":1:"), json.err());
    }

    @Test
    void mainRunsTheFastPathFirstAndPicocliForTheRest() {
        Result viaMain = throughMain(words("print --json examples/hello-x86_64.json"));
        assertEquals(fast(words("print --json examples/hello-x86_64.json")), viaMain);
        Result usage = throughMain(words("print --bogus examples/hello-x86_64.json"));
        assertEquals(2, usage.code());
        assertTrue(usage.err().startsWith("vmlaunch print: Unknown option: '--bogus'"), usage.err());
    }

    @Test
    void picocliTracingLeavesEveryLineToPicocli() {
        System.setProperty("picocli.trace", "OFF");
        try {
            assertNull(fast(words("list")).code());
        } finally {
            System.clearProperty("picocli.trace");
        }
    }

    private static String[] words(String line) {
        return line.isBlank() ? new String[0] : line.trim().split(" +");
    }

    /** FastPath as Main.execute calls it, its writers flushed after as Main.execute does. */
    private static Result fast(String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        Integer code = FastPath.run(args, o, e);
        o.flush();
        e.flush();
        return new Result(code, out.toString(), err.toString());
    }

    /** The same line forced through picocli. */
    private static Result picocli(String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ThroughPicocli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private static Result throughMain(String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }
}
