package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vmlaunch under LAVA for real: Debian's lava-dispatcher (2023.01) runs the job {@code vmlaunch export lava} wrote
 * with {@code lava-run}, on LAVA's qemu device type: it boots the x86_64 lab host, appends its test overlay to the
 * initramfs, and the inline test definition runs {@code vmlaunch test --lava} in the lab host, whose two nested
 * guests each get one NIC through vfio-pci. The verdict is read from LAVA's own results, not from vmlaunch's output.
 * The job and the signal lines are also checked with LAVA's own schema and signal parser (python3, lava_common and
 * lava_dispatcher). Runs when lava-dispatcher is installed (./dev setup does not install it: docs/lava.md says why).
 */
class LavaRunIT {
    private static final Path IMAGES = VmlaunchProcess.ROOT.resolve("test-images/out");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void lavaDispatcherIsInstalled() {
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/lava-run")),
                "lava-dispatcher is not installed (apt-get install --no-install-recommends lava-dispatcher)");
    }

    private Map<String, String> env() {
        return Map.of("VMLAUNCH_STATE", dir.resolve("state").toString());
    }

    /**
     * Nested guests, each with one of the lab host's NICs (slots 5 and 6), bound by vmlaunch (managed), under KVM in
     * the lab host as in the lab.
     */
    private Path labHarness(int guests) throws Exception {
        Path h = Files.createDirectories(dir.resolve("harness"));
        List<String> files = new ArrayList<>();
        for (int n = 1; n <= guests; n++) {
            files.add("virt" + n + ".json");
            Files.createDirectories(h.resolve("share" + n));
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("name", "lava-virt" + n);
            g.put("vmm", "qemu");
            g.put("arch", "x86_64");
            // Under KVM in the lab host (it loads kvm_amd), each VMM on a lab-host CPU of its own, as in the lab.
            g.put("accel", "kvm");
            g.put("cpuAffinity", Integer.toString(n - 1));
            g.put("machine", "q35");
            g.put("cpus", 1);
            g.put("memory", "256M");
            g.put("kernel", IMAGES.resolve("x86_64/vmlinuz").toString());
            g.put("initrd", IMAGES.resolve("x86_64/initramfs.gz").toString());
            g.put("cmdline", "quiet");
            // The job copies the harness folder onto the lab host's tmpfs, which has no user xattrs on Linux 6.1.
            g.put("shares", List.of(Map.of("path", "share" + n, "tag", "hostshare", "security", "mapped-file")));
            g.put("passthrough", List.of(Map.of("host", "0000:00:0" + (n + 4) + ".0", "managed", true)));
            JSON.writerWithDefaultPrettyPrinter()
                    .writeValue(h.resolve("virt" + n + ".json").toFile(), g);
        }
        Map<String, Object> harness = new LinkedHashMap<>();
        harness.put("name", "lava-lab");
        harness.put("guests", files);
        harness.put("share", "hostshare");
        harness.put(
                "workload",
                "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && sleep 2 && ping -c 5 -W 3 10.0.2.2");
        harness.put("bootTimeout", 900);
        harness.put("workloadTimeout", 180);
        harness.put("expect", Map.of("chip", "PCI-MSI", "minVectorsFired", 1, "minTotalDelta", 1));
        Path file = h.resolve("harness.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), harness);
        return file;
    }

    private static VmlaunchProcess python(String code, String... args) throws Exception {
        // Debian's python, where lava-common and lava-dispatcher are installed (not a pyenv or venv one on PATH).
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-c", code));
        cmd.addAll(List.of(args));
        return VmlaunchProcess.runCommand(Map.of(), cmd);
    }

    /** lava_common's own job validation (what lava-server runs on submission), strict: no unknown keys. */
    private static void assertValidLavaJob(Path job) throws Exception {
        VmlaunchProcess p = python(
                "import sys, yaml\nfrom lava_common.schemas import validate\n"
                        + "validate(yaml.safe_load(open(sys.argv[1])), strict=True, extra_context_variables=[])\nprint('valid')",
                job.toString());
        assertEquals(0, p.exitCode(), p.transcript());
    }

    @Test
    void exportedJobsPassLavasOwnStrictSchemaForTheLabHostAndTheBoardTemplate() throws Exception {
        Path harness = labHarness(2);
        Path job = dir.resolve("job.yaml");
        VmlaunchProcess e = VmlaunchProcess.run(env(), "export", "lava", harness.toString(), "-o", job.toString());
        assertEquals(0, e.exitCode(), e.transcript());
        assertValidLavaJob(job);
        Path board = dir.resolve("board.yaml");
        VmlaunchProcess b = VmlaunchProcess.run(
                env(), "export", "lava", harness.toString(), "--device-type", "juno-r2", "-o", board.toString());
        assertEquals(0, b.exitCode(), b.transcript());
        assertTrue(b.stderrText().contains("gets a template"), b.transcript());
        assertValidLavaJob(board);
        assertEquals("juno-r2", YAML.readTree(board.toFile()).get("device_type").asText());
    }

    @Test
    void lavaDispatcherParsesTheSignalLinesIntoTheCasesAndMeasurementsVmlaunchMeant() throws Exception {
        // The report of a run, as `vmlaunch test --lava` would print it outside a LAVA test shell.
        List<String> lines = List.of(
                "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lava-virt1 RESULT=pass UNITS=interrupts MEASUREMENT=14>",
                "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lava-virt1.0000_00_05.0 RESULT=fail UNITS=interrupts MEASUREMENT=0>",
                "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lava-virt1.workload RESULT=fail>");
        VmlaunchProcess p = python(
                "import re, sys, json\n"
                        + "from lava_dispatcher.actions.test.shell import handle_testcase\n"
                        + "from lava_dispatcher.connection import SignalMatch\n"
                        + "pattern = re.compile(r'<LAVA_SIGNAL_(\\S+) ([^>]+)>')\n"
                        + "for line in sys.argv[1:]:\n"
                        + "    name, params = pattern.match(line).groups()\n"
                        + "    assert name == 'TESTCASE', name\n"
                        + "    print(json.dumps(SignalMatch().match(handle_testcase(params.split())), sort_keys=True))\n",
                lines.toArray(String[]::new));
        assertEquals(0, p.exitCode(), p.transcript());
        assertEquals(
                List.of(
                        "{\"measurement\": 14.0, \"result\": \"pass\", \"test_case_id\": \"lava-virt1\", \"units\": \"interrupts\"}",
                        "{\"measurement\": 0.0, \"result\": \"fail\", \"test_case_id\": \"lava-virt1.0000_00_05.0\", \"units\": \"interrupts\"}",
                        "{\"result\": \"fail\", \"test_case_id\": \"lava-virt1.workload\"}"),
                p.stdout());
    }

    @Test
    void insideATestShellEachCaseGoesThroughLavasOwnLavaTestCaseScript() throws Exception {
        // The overlay LAVA builds: its scripts, with the interpreter line LAVA writes in at deployment.
        Path shell = Path.of("/usr/lib/python3/dist-packages/lava_dispatcher/lava_test_shell");
        Path bin = Files.createDirectories(dir.resolve("lava-1/bin"));
        Path resultDir = Files.createDirectories(dir.resolve("lava-1/0"));
        Files.copy(shell.resolve("lava-common-functions"), bin.resolve("lava-common-functions"));
        Files.writeString(
                bin.resolve("lava-test-case"),
                "#!/bin/sh\nLAVA_RESULT_DIR=" + resultDir + "\nPATH=" + bin + ":$PATH\n"
                        + Files.readString(shell.resolve("lava-test-case")));
        bin.resolve("lava-test-case").toFile().setExecutable(true);
        List<dev.vmlaunch.lava.LavaTestCase> cases = List.of(
                new dev.vmlaunch.lava.LavaTestCase("lava-virt1.0000_00_05.0", true, 14L, "interrupts"),
                new dev.vmlaunch.lava.LavaTestCase("lava-virt1.workload", false, null, null));
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        var used = dev.vmlaunch.lava.LavaReporter.report(
                cases, Map.of("PATH", bin.toString()), new java.io.PrintWriter(out), new java.io.PrintWriter(err));
        assertEquals(bin.resolve("lava-test-case"), used.orElseThrow(), err.toString());
        assertEquals(
                "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lava-virt1.0000_00_05.0 RESULT=pass UNITS=interrupts MEASUREMENT=14>\n"
                        + "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lava-virt1.workload RESULT=fail>\n",
                out.toString(),
                err.toString());
        Path nic = resultDir.resolve("results/lava-virt1.0000_00_05.0");
        assertEquals("pass", Files.readString(nic.resolve("result")).trim());
        assertEquals("14", Files.readString(nic.resolve("measurement")).trim());
        assertEquals("interrupts", Files.readString(nic.resolve("units")).trim());
        assertEquals(
                "fail",
                Files.readString(resultDir.resolve("results/lava-virt1.workload/result"))
                        .trim());
    }

    @Test
    void lavaRunBootsTheLabHostAndRecordsEveryGuestAndPassthroughNicAsPassed() throws Exception {
        Path harness = labHarness(2);
        Path job = dir.resolve("job.yaml");
        VmlaunchProcess e = VmlaunchProcess.run(env(), "export", "lava", harness.toString(), "-o", job.toString());
        assertEquals(0, e.exitCode(), e.transcript());
        Path device = dir.resolve("device.yaml");
        YAML.writeValue(
                device.toFile(),
                LavaQemuDevice.render(YAML.readTree(job.toFile()).get("context")));
        // lava-run keeps its files in /var/lib/lava/dispatcher/tmp/JOB_ID: an id of our own keeps runs apart.
        String jobId = "vmlaunch-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (VmlaunchProcess run = VmlaunchProcess.startCommand(
                Map.of(),
                List.of(
                        "lava-run",
                        "--job-id",
                        jobId,
                        "--output-dir",
                        dir.resolve("lava").toString(),
                        "--device",
                        device.toString(),
                        job.toString()))) {
            run.stdin().close();
            int code = run.waitFor(Duration.ofMinutes(35));
            // lava-run logs its records on stderr.
            Map<String, JsonNode> results = results(run.stderr());
            String story = results.values() + "\n" + tailOfLog(run.stderr());
            assertEquals(0, code, story);
            assertTrue(results.containsKey("lava/job"), story);
            assertEquals("pass", results.get("lava/job").get("result").asText(), story);
            for (String id : List.of(
                    "vmlaunch-exit", "lava-virt1", "lava-virt1.workload", "lava-virt2", "lava-virt2.workload")) {
                JsonNode r = results.get("0_vmlaunch/" + id);
                assertTrue(r != null && "pass".equals(r.get("result").asText()), id + ": " + story);
            }
            for (String id : List.of("lava-virt1.0000_00_05.0", "lava-virt2.0000_00_06.0")) {
                JsonNode r = results.get("0_vmlaunch/" + id);
                assertTrue(r != null && "pass".equals(r.get("result").asText()), id + ": " + story);
                assertEquals("interrupts", r.get("units").asText(), story);
                assertTrue(r.get("measurement").asDouble() >= 1, id + " fired no interrupt: " + story);
            }
        }
        boolean leftover = ProcessHandle.allProcesses().anyMatch(ph -> ph.info()
                .commandLine()
                .map(c ->
                        c.contains(jobId) || (c.contains(harness.getParent().toString()) && c.contains("qemu-system")))
                .orElse(false));
        assertTrue(!leftover, "lava-run left a qemu behind");
    }

    /**
     * LAVA's results from lava-run's log, by definition/case: one record a line, results with lvl "results". The
     * records are YAML flow mappings (LAVA tags some values, {@code "endtc": ! "716"}), not strict JSON.
     */
    private static Map<String, JsonNode> results(List<String> log) throws Exception {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (String line : log) {
            if (!line.startsWith("{") || !line.contains("\"results\"")) {
                continue;
            }
            JsonNode rec = YAML.readTree(line);
            if ("results".equals(rec.path("lvl").asText())) {
                JsonNode msg = rec.get("msg");
                out.put(msg.path("definition").asText() + "/" + msg.path("case").asText(), msg);
            }
        }
        return out;
    }

    private static String tailOfLog(List<String> log) {
        return String.join("\n", log.subList(Math.max(0, log.size() - 60), log.size()));
    }
}
