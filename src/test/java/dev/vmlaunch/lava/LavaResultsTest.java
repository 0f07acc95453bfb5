package dev.vmlaunch.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.harness.HarnessReport;
import dev.vmlaunch.harness.HarnessReport.DeviceResult;
import dev.vmlaunch.harness.HarnessReport.GuestResult;
import dev.vmlaunch.harness.HarnessReport.Workload;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LavaResultsTest {
    /** lava-dispatcher's own pattern for signals (actions/test/shell.py). */
    private static final Pattern SIGNAL = Pattern.compile("<LAVA_SIGNAL_(\\S+) ([^>]+)>");

    private static DeviceResult nic(String host, String guest, long delta, boolean passed) {
        return new DeviceResult(
                host,
                guest,
                "8086:10d3",
                "PCI-MSI",
                3,
                passed ? 3 : 0,
                delta,
                passed,
                passed ? null : "no vector fired");
    }

    private static HarnessReport report(GuestResult... guests) {
        boolean passed = List.of(guests).stream().allMatch(GuestResult::passed);
        return new HarnessReport("lab", passed, List.of(guests), Duration.ofSeconds(90));
    }

    /** What lava-dispatcher makes of a line: handle_testcase splits params on whitespace, each on '='. */
    private static Map<String, String> parse(String line) {
        Matcher m = SIGNAL.matcher(line);
        assertTrue(m.matches(), line);
        assertEquals("TESTCASE", m.group(1));
        Map<String, String> kv = new HashMap<>();
        for (String p : m.group(2).split("\\s+")) {
            String[] parts = p.split("=", -1);
            assertEquals(2, parts.length, "malformed parameter for LAVA: " + p);
            kv.put(parts[0].toLowerCase(Locale.ROOT), parts[1]);
        }
        return kv;
    }

    @Test
    void everyGuestGetsAVerdictAWorkloadCaseAndOneCasePerDeviceNamedByItsHostAddress() {
        GuestResult g1 = new GuestResult(
                "lab-virt1",
                true,
                null,
                List.of(nic("0000:00:05.0", "0000:00:02.0", 14, true)),
                new Workload(0, "", Duration.ofMillis(4200)),
                null);
        GuestResult g2 = new GuestResult(
                "lab-virt2",
                false,
                null,
                List.of(nic("0000:00:06.0", "0000:00:02.0", 0, false)),
                new Workload(0, "", Duration.ofMillis(3100)),
                null);
        List<LavaTestCase> cases = LavaResults.cases(report(g1, g2), 0);
        assertEquals(
                List.of(
                        "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lab-virt1 RESULT=pass UNITS=interrupts MEASUREMENT=14>",
                        "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lab-virt1.workload RESULT=pass UNITS=ms MEASUREMENT=4200>",
                        "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lab-virt1.0000_00_05.0 RESULT=pass UNITS=interrupts MEASUREMENT=14>",
                        "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lab-virt2 RESULT=fail UNITS=interrupts MEASUREMENT=0>",
                        "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lab-virt2.workload RESULT=pass UNITS=ms MEASUREMENT=3100>",
                        "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=lab-virt2.0000_00_06.0 RESULT=fail UNITS=interrupts MEASUREMENT=0>"),
                cases.stream().map(LavaTestCase::signalLine).toList());
        for (LavaTestCase c : cases) {
            Map<String, String> kv = parse(c.signalLine());
            assertEquals(c.id(), kv.get("test_case_id"));
            assertTrue(LavaTestCaseId.VALID.matcher(kv.get("test_case_id")).matches());
        }
    }

    @Test
    void aGuestThatNeverBootedStillReportsFailedCasesRatherThanNone() {
        GuestResult g = new GuestResult("virt1", false, "did not boot in 300 s", List.of(), null, null);
        List<LavaTestCase> cases = LavaResults.cases(report(g), 0);
        assertEquals(
                List.of(
                        "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=virt1 RESULT=fail UNITS=interrupts MEASUREMENT=0>",
                        "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=virt1.workload RESULT=fail>"),
                cases.stream().map(LavaTestCase::signalLine).toList());
    }

    @Test
    void theWorkloadCaseFollowsTheHarnessExpectedExitCode() {
        GuestResult g =
                new GuestResult("virt1", true, null, List.of(), new Workload(3, "", Duration.ofMillis(5)), null);
        assertTrue(LavaResults.cases(report(g), 3).get(1).passed());
        assertFalse(LavaResults.cases(report(g), 0).get(1).passed());
    }

    @Test
    void emulatedDevicesAreNamedByGuestAddressAndIdenticalOnesStayDistinct() {
        DeviceResult a = new DeviceResult(null, null, "8086:10d3", "ITS-MSI", 3, 2, 9, true, null);
        DeviceResult b = new DeviceResult(null, null, "8086:10d3", "ITS-MSI", 3, 2, 7, true, null);
        DeviceResult c = new DeviceResult(null, "0000:00:02.0", "8086:10d3", "ITS-MSI", 3, 2, 5, true, null);
        GuestResult g = new GuestResult("its", true, null, List.of(a, b, c), new Workload(0, "", Duration.ZERO), null);
        List<String> ids =
                LavaResults.cases(report(g), 0).stream().map(LavaTestCase::id).toList();
        assertEquals(List.of("its", "its.workload", "its.8086_10d3", "its.8086_10d3-2", "its.0000_00_02.0"), ids);
    }

    @Test
    void idsKeepOnlyTheCharactersLavaAllowsAndRefuseWhatCannotBeOne() {
        assertEquals("a_b_c.0000_00_05.0", LavaTestCaseId.of("a b=c", "0000:00:05.0"));
        assertEquals("x._", LavaTestCaseId.of("x", ""));
        assertThrows(IllegalArgumentException.class, () -> LavaTestCaseId.of("x".repeat(101)));
        assertThrows(IllegalArgumentException.class, () -> new LavaTestCase("has space", true, null, null));
    }

    @Test
    void lavaTestCaseIsCalledWithAnArgvInTheOrderItsUsageShows() {
        assertEquals(
                List.of(
                        "/lava-1/bin/lava-test-case",
                        "v.0000_00_05.0",
                        "--result",
                        "fail",
                        "--measurement",
                        "0",
                        "--units",
                        "interrupts"),
                new LavaTestCase("v.0000_00_05.0", false, 0L, "interrupts")
                        .lavaTestCaseArgv("/lava-1/bin/lava-test-case"));
        assertEquals(
                List.of("t", "v", "--result", "pass"), new LavaTestCase("v", true, null, null).lavaTestCaseArgv("t"));
    }
}
