package dev.vmlaunch.lava;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One LAVA test case: an id, pass or fail, and optionally a measurement with its units.
 *
 * @param id          a valid {@link LavaTestCaseId}
 * @param passed      pass or fail (LAVA also knows skip and unknown; a harness verdict is never either)
 * @param measurement a whole number (LAVA parses it as a decimal), or null
 * @param units       the measurement's units ({@code [A-Za-z0-9_.-]+}), or null
 */
public record LavaTestCase(String id, boolean passed, Long measurement, String units) {
    private static final Pattern UNITS = Pattern.compile("[A-Za-z0-9_.-]{1,32}");

    public LavaTestCase {
        Objects.requireNonNull(id, "id");
        if (!LavaTestCaseId.VALID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid LAVA test case id: " + id);
        }
        if (units != null && (measurement == null || !UNITS.matcher(units).matches())) {
            throw new IllegalArgumentException("units need a measurement and [A-Za-z0-9_.-]: " + units);
        }
    }

    public String result() {
        return passed ? "pass" : "fail";
    }

    /**
     * The line lava-test-case itself prints and lava-dispatcher matches with {@code <LAVA_SIGNAL_(\S+) ([^>]+)>}:
     * {@code <LAVA_SIGNAL_TESTCASE TEST_CASE_ID=id RESULT=pass MEASUREMENT=3 UNITS=interrupts>} (the same key order
     * as lava-test-case: result, units, measurement).
     */
    public String signalLine() {
        StringBuilder sb = new StringBuilder("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=")
                .append(id)
                .append(" RESULT=")
                .append(result());
        if (measurement != null) {
            if (units != null) {
                sb.append(" UNITS=").append(units);
            }
            sb.append(" MEASUREMENT=").append(measurement);
        }
        return sb.append('>').toString();
    }

    /** The argv that records this case through LAVA's own {@code lava-test-case} (never a shell string). */
    public List<String> lavaTestCaseArgv(String executable) {
        List<String> argv = new ArrayList<>(List.of(executable, id, "--result", result()));
        if (measurement != null) {
            argv.addAll(List.of("--measurement", Long.toString(measurement)));
            if (units != null) {
                argv.addAll(List.of("--units", units));
            }
        }
        return argv;
    }
}
