package dev.vmlaunch.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example under src/test/resources/libvirt/ exported by the packaged jar, the way a user runs it, and checked
 * with libvirt's own validator ({@code virt-xml-validate}, Debian package libvirt-clients, which also needs xmllint
 * from libxml2-utils; .ci/run installs both).
 */
class LibvirtExportIT {
    private static final String VALIDATOR = "/usr/bin/virt-xml-validate";
    /** A bound for a hung child process, not a speed requirement: a JVM start plus a schema check. */
    private static final long PROCESS_LIMIT_SECONDS = 120;

    @TempDir
    static Path out;

    private record Done(int code, String output) {}

    @BeforeAll
    static void validatorIsInstalled() {
        assertTrue(
                Files.isExecutable(Path.of(VALIDATOR)),
                VALIDATOR + " is missing: apt-get install libvirt-clients libxml2-utils (.ci/run does)");
        assertTrue(
                Files.isRegularFile(Path.of("/usr/share/libvirt/schemas/domain.rng")),
                "libvirt's RNG schemas are missing (package libvirt-clients)");
    }

    static Stream<String> examples() throws IOException {
        try (Stream<Path> s =
                Files.list(Guests.example("seed000-aic100-q35.json").getParent())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList().stream();
        }
    }

    @Test
    void theSeedsScenariosAreAmongTheExamples() throws IOException {
        List<String> names = examples().toList();
        for (String required : List.of(
                "seed000-aic100-q35.json",
                "seed003-gtx970-ovmf.json",
                "aarch64-virt-smmuv3-9p.json",
                "extra-args.json")) {
            assertTrue(names.contains(required), required + " missing from " + names);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exportedDomainPassesLibvirtsSchema(String example) throws Exception {
        Path xml = out.resolve(example.replace(".json", ".xml"));
        Done export = run(List.of(
                javaBinary(),
                "-jar",
                jar().toString(),
                "export",
                "libvirt",
                Guests.example(example).toString(),
                "-o",
                xml.toString()));
        assertEquals(0, export.code(), export.output());
        assertTrue(Files.size(xml) > 0, "nothing written to " + xml);

        Done check = run(List.of(VALIDATOR, xml.toString(), "domain"));
        assertEquals(0, check.code(), check.output() + "\n" + Files.readString(xml));
        assertTrue(check.output().contains("validates"), check.output());
    }

    /** Shows the validator can say no: the AIC100 libvirt guide's domain as written there, with {@code <iommu>} inside {@code <features>}. */
    @Test
    void validatorRejectsIommuInFeaturesAsSeed000WritesIt() throws Exception {
        Path good = out.resolve("seed000-control.xml");
        Done export = run(List.of(
                javaBinary(),
                "-jar",
                jar().toString(),
                "export",
                "libvirt",
                Guests.example("seed000-aic100-q35.json").toString(),
                "-o",
                good.toString()));
        assertEquals(0, export.code(), export.output());
        String xml = Files.readString(good);
        assertTrue(xml.contains("<features>"), xml);
        Path bad = out.resolve("seed000-as-documented.xml");
        Files.writeString(
                bad,
                xml.replace(
                        "<features>",
                        "<features><iommu model='intel'><driver caching_mode='on' intremap='on'/></iommu>"));

        assertEquals(0, run(List.of(VALIDATOR, good.toString(), "domain")).code());
        Done check = run(List.of(VALIDATOR, bad.toString(), "domain"));
        assertNotEquals(0, check.code(), check.output());
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("vmlaunch.jar", "target/vmlaunch.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run 'mvn verify' (package builds it)");
        return jar;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Done run(List<String> argv) throws IOException, InterruptedException {
        // Output goes to a file so that a child that hangs with its stdout open cannot block the wait below.
        Path log = Files.createTempFile(out, "run", ".log");
        Process p = new ProcessBuilder(new ArrayList<>(argv))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!p.waitFor(PROCESS_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("still running after " + PROCESS_LIMIT_SECONDS + " s: " + argv);
        }
        return new Done(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
