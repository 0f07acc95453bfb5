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
        // The launcher (re)makes the archive when the jar or the JVM changed.
        VmlaunchProcess p = VmlaunchProcess.run(Map.of("VMLAUNCH_STATE", state.toString()), "--version");
        assertEquals(0, p.exitCode(), p.transcript());
        assertTrue(JvmFlags.archiveFlag(JAR).isPresent(), "./vmlaunch made target/vmlaunch.jsa");
    }

    @ParameterizedTest
    @ValueSource(strings = {"list", "list --all --json", "print examples/aic100-viommu.json", "status nosuchguest"})
    void everyClassOfTheJarComesFromTheArchive(String args) throws Exception {
        List<String> fromJar = loaded(args).stream()
                .filter(l -> l.contains("source: file:") || l.contains("source: jar:"))
                .toList();
        assertTrue(fromJar.isEmpty(), "read from the jar instead of the archive: " + fromJar);
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
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(JvmFlags.cli());
        cmd.add(JvmFlags.archiveFlag(JAR).orElseThrow());
        // After the flags file, whose -Xlog:disable would otherwise turn this off.
        cmd.add("-Xlog:" + tags + ":file=" + log);
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args.split(" ")));
        ProcessBuilder pb =
                new ProcessBuilder(cmd).directory(VmlaunchProcess.ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("VMLAUNCH_STATE", state.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertTrue(Files.exists(log), out);
        return Files.readAllLines(log);
    }
}
