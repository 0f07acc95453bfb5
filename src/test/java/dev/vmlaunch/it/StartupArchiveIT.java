package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.JvmFlags;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The commands people run in loops start from the class-data-sharing archive ./vmlaunch makes: every class of the jar
 * they load comes from the archive, not parsed and verified from the jar again. A class the archive silently leaves
 * out (the JDK does so for a Java 5 class such as picocli's once it was linked while dumping) costs every start.
 */
class StartupArchiveIT {
    private static final Path JAR = VmlaunchProcess.ROOT.resolve("target/vmlaunch.jar");

    @TempDir
    static Path state;

    @BeforeAll
    static void archiveIsMade() throws Exception {
        // One stopped guest, as the archive's training runs have: list --all reads a real state file.
        Path guest = Files.createDirectories(state.resolve("cds-training"));
        Files.copy(VmlaunchProcess.ROOT.resolve("src/main/cds/training-state.json"), guest.resolve("state.json"));
        // The launcher (re)makes the archive when the jar or the JVM changed.
        VmlaunchProcess p = VmlaunchProcess.run(Map.of("VMLAUNCH_STATE", state.toString()), "--version");
        assertEquals(0, p.exitCode(), p.transcript());
        assertTrue(JvmFlags.archiveFlag(JAR).isPresent(), "./vmlaunch made target/vmlaunch.jsa");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "list",
                "list --all --json",
                "print examples/aic100-viommu.json",
                "status nosuchguest",
                "--debug list --all",
                "--debug print examples/aic100-viommu.json"
            })
    void everyClassOfTheJarComesFromTheArchive(String args) throws Exception {
        List<String> fromJar = loaded(args).stream()
                .filter(l -> l.contains("source: file:") || l.contains("source: jar:"))
                .toList();
        assertTrue(fromJar.isEmpty(), "read from the jar instead of the archive: " + fromJar);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "list",
                "list --all --json",
                "list -a",
                "print examples/aic100-viommu.json",
                "print --json -d examples/hello-x86_64.json",
                "print examples/smmute-virt1.json --detach"
            })
    void listAndPrintLoadNoPicocliClass(String args) throws Exception {
        // cli/FastPath runs these lines without picocli: building its model was most of what their start had left.
        List<String> picocli =
                loaded(args).stream().filter(l -> l.contains(" picocli.")).toList();
        assertTrue(picocli.isEmpty(), "loaded: " + picocli);
    }

    @Test
    void picocliClassesAreSeenWhereTheyAreLoaded() throws Exception {
        // The control for the test above: a line FastPath leaves to picocli does show picocli's classes in the log.
        assertTrue(loaded("--debug list").stream().anyMatch(l -> l.contains(" picocli.CommandLine ")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"list", "list --all", "list --json -a", "list --all --json"})
    void listPrintsWhatItPrintsThroughPicocli(String args) throws Exception {
        // FastPathTest compares the two paths in-process, on whatever state folder that machine has; here a stopped
        // guest's state file is read. --debug, which changes nothing of a list that succeeds, sends it through picocli.
        Run fast = run(args);
        // The stopped guest is listed with -a (or --all) only.
        assertEquals(args.contains("-a"), fast.out().contains("cds-training"), fast.out());
        assertEquals(run("--debug " + args), fast);
    }

    @Test
    void printBootstrapsNoRecordMethods() throws Exception {
        // A record's generated equals/hashCode/toString spin ~20 method-handle classes on first use (none archived).
        List<String> classes = loaded("print examples/aic100-viommu.json");
        assertFalse(classes.isEmpty(), "class loading was logged");
        assertTrue(
                classes.stream().noneMatch(l -> l.contains(" java.lang.runtime.ObjectMethods ")),
                "print used a record's generated equals, hashCode or toString");
    }

    @Test
    void theArchiveIsMappedWhereItWasDumpedWithItsModuleGraph() throws Exception {
        // SerialGC made JDK 17 ignore the archive's heap objects (the module graph was built on every start), and
        // JDK 17.0.15 relocates an archive unless told not to: both cost every start.
        List<String> cds = jvmLog("list", "cds=info");
        assertTrue(cds.stream().anyMatch(l -> l.contains("full module graph: enabled")), String.join("\n", cds));
        assertTrue(
                cds.stream().noneMatch(l -> l.contains("ArchiveRelocationMode == 1")),
                "mapped at a random address: " + String.join("\n", cds));
    }

    /** What a command printed and its exit code. */
    private record Run(int code, String out, String err) {}

    /** One command, started as ./vmlaunch starts it (its flags and archive), its stdout and stderr apart. */
    private static Run run(String args) throws Exception {
        Path out = state.resolve("run.out");
        Path err = state.resolve("run.err");
        ProcessBuilder pb = new ProcessBuilder(command(args))
                .directory(VmlaunchProcess.ROOT.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("VMLAUNCH_STATE", state.toString());
        // No ~/.lkvm: a dead kvmtool socket there would be reported by the first run only (list removes it).
        pb.environment().put("HOME", state.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), args);
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The class-load log of one command, started as ./vmlaunch starts it (its flags and archive). */
    private static List<String> loaded(String args) throws Exception {
        List<String> lines = jvmLog(args, "class+load=info");
        assertTrue(lines.stream().anyMatch(l -> l.contains(" dev.vmlaunch.cli.Main ")), "logged: " + lines.size());
        return lines;
    }

    /** The JVM's log of {@code tags} for one command, started as ./vmlaunch starts it (its flags and archive). */
    private static List<String> jvmLog(String args, String tags) throws Exception {
        Path log = state.resolve("jvm.log");
        Files.deleteIfExists(log);
        // After the flags file, whose -Xlog:disable would otherwise turn this off.
        List<String> cmd = command(args, "-Xlog:" + tags + ":file=" + log);
        ProcessBuilder pb =
                new ProcessBuilder(cmd).directory(VmlaunchProcess.ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("VMLAUNCH_STATE", state.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertTrue(Files.exists(log), out);
        return Files.readAllLines(log);
    }

    /** java with ./vmlaunch's flags and archive, then {@code jvmOptions}, running the jar with {@code args}. */
    private static List<String> command(String args, String... jvmOptions) {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(JvmFlags.cli());
        cmd.add(JvmFlags.archiveFlag(JAR).orElseThrow());
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args.split(" ")));
        return cmd;
    }
}
