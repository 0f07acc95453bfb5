package dev.vmlaunch.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LavaReporterTest {
    private static final List<LavaTestCase> CASES = List.of(
            new LavaTestCase("virt1", true, 14L, "interrupts"),
            new LavaTestCase("virt1.0000_00_05.0", false, 0L, "interrupts"));

    private static Path script(Path dir, String body) throws Exception {
        Path p = dir.resolve(LavaReporter.LAVA_TEST_CASE);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void withoutLavaTestCaseOnPathTheSignalLinesGoToStdout(@TempDir Path empty) {
        StringWriter out = new StringWriter();
        var used = LavaReporter.report(
                CASES, Map.of("PATH", empty.toString()), new PrintWriter(out), new PrintWriter(new StringWriter()));
        assertTrue(used.isEmpty());
        assertEquals(
                "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=virt1 RESULT=pass UNITS=interrupts MEASUREMENT=14>\n"
                        + "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=virt1.0000_00_05.0 RESULT=fail UNITS=interrupts MEASUREMENT=0>\n",
                out.toString());
    }

    @Test
    void lavaTestCaseOnPathGetsEachCaseAsAnArgvAndItsOutputReachesStdout(@TempDir Path dir) throws Exception {
        Path calls = dir.resolve("calls");
        // Records its arguments one per line, so quoting or word splitting would show.
        script(
                dir,
                "for a in \"$@\"; do printf '%s|' \"$a\" >>" + calls + "; done; echo >>" + calls
                        + "; echo \"recorded $1\"\n");
        StringWriter out = new StringWriter();
        var used = LavaReporter.report(
                CASES, Map.of("PATH", dir.toString()), new PrintWriter(out), new PrintWriter(new StringWriter()));
        assertEquals(dir.resolve(LavaReporter.LAVA_TEST_CASE), used.orElseThrow());
        assertEquals(
                List.of(
                        "virt1|--result|pass|--measurement|14|--units|interrupts|",
                        "virt1.0000_00_05.0|--result|fail|--measurement|0|--units|interrupts|"),
                Files.readAllLines(calls));
        assertEquals("recorded virt1\nrecorded virt1.0000_00_05.0\n", out.toString());
    }

    @Test
    void aFailingLavaTestCaseFallsBackToTheSignalLineSoNoResultIsLost(@TempDir Path dir) throws Exception {
        script(dir, "echo broken >&2; exit 4\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        LavaReporter.report(
                CASES.subList(0, 1), Map.of("PATH", dir.toString()), new PrintWriter(out), new PrintWriter(err));
        assertEquals(
                "broken\n<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=virt1 RESULT=pass UNITS=interrupts MEASUREMENT=14>\n",
                out.toString());
        assertTrue(err.toString().contains("exited 4; printing the signal line instead"), err.toString());
    }
}
