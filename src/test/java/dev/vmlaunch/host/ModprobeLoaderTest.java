package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real child process standing in for modprobe (a shell script), so the deadline and the kill are real. */
class ModprobeLoaderTest {
    @TempDir
    Path tmp;

    private Path script(String body) throws IOException {
        Path f = tmp.resolve("modprobe");
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
        return f;
    }

    /** The pid the fake wrote, once it is running. */
    private long pidOf(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).trim());
    }

    @Test
    void aModprobeThatHangsIsKilledAtItsDeadlineWithItsChildren() throws Exception {
        Path pids = tmp.resolve("pids");
        // The child keeps stdout open: reading modprobe's output to the end would wait for it too.
        Path fake = script("sleep 600 & echo $! > " + pids + "; exec sleep 600");
        ModprobeLoader loader = new ModprobeLoader(List.of(fake.toString()), Duration.ofMillis(1500));
        IOException e = assertTimeoutPreemptively(
                Duration.ofSeconds(30), () -> assertThrows(IOException.class, () -> loader.load("vfio_pci")));
        assertTrue(e.getMessage().contains("modprobe vfio_pci did not finish in 1.5 s; killed it"), e.getMessage());
        long child = pidOf(pids);
        assertFalse(
                ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false),
                "the child modprobe started is gone too");
        assertTrue(
                ProcessHandle.current()
                        .children()
                        .noneMatch(p -> p.info().command().orElse("").endsWith("sleep")),
                "nothing left running");
    }

    @Test
    void aFailingModprobeSaysWhyWithItsOutput() throws Exception {
        Path fake = script("echo \"modprobe: FATAL: Module $1 not found\" >&2; exit 1");
        ModprobeLoader loader = new ModprobeLoader(List.of(fake.toString()), Duration.ofSeconds(30));
        IOException e = assertThrows(IOException.class, () -> loader.load("nosuchmod"));
        assertTrue(
                e.getMessage()
                        .equals("modprobe nosuchmod failed (exit 1): modprobe: FATAL: Module nosuchmod not found"),
                e.getMessage());
    }

    @Test
    void endlessOutputIsCappedAndDoesNotHoldTheLoad() throws Exception {
        Path fake = script("head -c 5000000 /dev/zero | tr '\\0' x; exit 3");
        ModprobeLoader loader = new ModprobeLoader(List.of(fake.toString()), Duration.ofSeconds(30));
        IOException e = assertThrows(IOException.class, () -> loader.load("e1000e"));
        assertTrue(
                e.getMessage().startsWith("modprobe e1000e failed (exit 3): xxx"),
                e.getMessage().substring(0, Math.min(60, e.getMessage().length())));
        assertTrue(
                e.getMessage().length() < ModprobeLoader.MAX_OUTPUT + 100,
                "length " + e.getMessage().length());
    }

    @Test
    void aModprobeThatSucceedsLoads() throws Exception {
        Path fake = script("exit 0");
        new ModprobeLoader(List.of(fake.toString()), Duration.ofSeconds(30)).load("vfio-pci");
    }
}
