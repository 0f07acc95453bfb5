package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vmlaunch export libvirt}, run in-process through {@link Main#execute}. */
class ExportCommandTest {
    @TempDir
    Path dir;

    private Path qemuGuest;
    private Path lkvmGuest;

    private record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
        }
    }

    @BeforeEach
    void guests() throws IOException {
        qemuGuest = dir.resolve("guest.json");
        Files.writeString(
                qemuGuest,
                "{\"name\": \"g1\", \"vmm\": \"qemu\", \"arch\": \"x86_64\", \"accel\": \"tcg\","
                        + " \"extraArgs\": [\"-no-reboot\"]}");
        lkvmGuest = dir.resolve("lkvm.json");
        Files.writeString(lkvmGuest, "{\"name\": \"g2\", \"vmm\": \"lkvm\", \"arch\": \"x86_64\"}");
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void writesTheDomainToStdoutAndWarningsToStderr() {
        Run r = run("export", "libvirt", qemuGuest.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("<domain type=\"qemu\""), r.out());
        assertTrue(r.out().contains("<name>g1</name>"), r.out());
        assertTrue(r.out().endsWith("</domain>\n"), r.out());
        assertTrue(r.err().contains("vmlaunch: warning: extraArgs"), r.err());
        assertFalse(r.out().contains("warning"), "warnings stay off stdout, which is the document");
    }

    @Test
    void outputFileHoldsExactlyWhatStdoutWouldAndIsReadableByOthers() throws IOException {
        Path target = dir.resolve("g1.xml");
        Run r = run("export", "libvirt", qemuGuest.toString(), "-o", target.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals("", r.out());
        assertEquals(
                run("export", "libvirt", qemuGuest.toString()).out(), Files.readString(target, StandardCharsets.UTF_8));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals(
                List.of(target, qemuGuest, lkvmGuest).stream().sorted().toList(),
                listDir(),
                "no temporary file left behind");
    }

    @Test
    void outputFileReplacesAnOldOneWhole() throws IOException {
        Path target = dir.resolve("g1.xml");
        Files.writeString(target, "x".repeat(100_000));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
        Run r = run("export", "libvirt", qemuGuest.toString(), "--output", target.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        String content = Files.readString(target);
        assertTrue(content.startsWith("<domain") && content.endsWith("</domain>\n"), content);
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(target)),
                "an existing file keeps its mode");
    }

    @Test
    void lkvmGuestExitsTwoWithOneLineAndLeavesTheOutputFileAlone() throws IOException {
        Path target = dir.resolve("old.xml");
        Files.writeString(target, "<old/>");
        Run r = run("export", "libvirt", lkvmGuest.toString(), "-o", target.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("vmlaunch: "), r.err());
        assertEquals(
                "vmlaunch: " + lkvmGuest.toAbsolutePath().normalize()
                        + ": libvirt runs qemu guests only; this guest uses \"vmm\": \"lkvm\" (kvmtool has no libvirt"
                        + " driver)",
                r.errLines().get(0));
        assertEquals("", r.out());
        assertEquals("<old/>", Files.readString(target));
        assertEquals(List.of(lkvmGuest, qemuGuest, target).stream().sorted().toList(), listDir());
    }

    @Test
    void missingOutputFolderIsAUsageErrorAndCreatesNothing() throws IOException {
        Path target = dir.resolve("nope").resolve("g1.xml");
        Run r = run("export", "libvirt", qemuGuest.toString(), "-o", target.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("does not exist"), r.err());
        assertFalse(Files.exists(dir.resolve("nope")));
    }

    @Test
    void outputThatIsAFolderIsRefused() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("out"));
        Run r = run("export", "libvirt", qemuGuest.toString(), "-o", folder.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("is a directory"), r.err());
        try (Stream<Path> s = Files.list(folder)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void unknownFormatIsAUsageError() {
        Run r = run("export", "virtualbox", qemuGuest.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("unknown export format 'virtualbox' (known: libvirt, lava)"), r.err());
    }

    @Test
    void invalidGuestJsonReportsTheLocatedErrorAndExitsTwo() throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"name\": \"g\", \"vmm\": \"qemu\", \"arch\": \"x86_64\", \"cpus\": 0}");
        Run r = run("export", "libvirt", bad.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("bad.json:1:"), r.err());
        assertTrue(r.err().contains("$.cpus"), r.err());
    }

    @Test
    void lavaExportOfABadHarnessReportsTheLocatedErrorExitsTwoAndWritesNothing() throws IOException {
        Path bad = dir.resolve("harness.json");
        Files.writeString(bad, "{\"guests\": [\"guest.json\"],\n \"share\": 7, \"workload\": \"true\"}");
        Path job = dir.resolve("job.yaml");
        Run r = run("export", "lava", bad.toString(), "--device-type", "juno-r2", "-o", job.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("harness.json:2:"), r.err());
        assertTrue(r.err().contains("$.share"), r.err());
        assertFalse(Files.exists(job), "nothing half-done");
    }

    @Test
    void deviceTypeIsRefusedForLibvirt() {
        Run r = run("export", "libvirt", qemuGuest.toString(), "--device-type", "qemu");
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("--device-type belongs to 'export lava'"), r.err());
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
