package dev.vmlaunch.lava;

import dev.vmlaunch.harness.HarnessReport;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A harness report as LAVA test cases, per guest:
 * <ul>
 * <li>{@code GUEST}: the guest's verdict (it booted, ran the workload, every device passed), with all its devices'
 * interrupts as the measurement: a guest that never booted still shows up as a failed case;</li>
 * <li>{@code GUEST.workload}: the workload ended with the expected exit code; its run time in ms;</li>
 * <li>{@code GUEST.DEVICE}: one per judged device, the interrupt delta as the measurement. DEVICE is the host address
 * of a passed-through device ({@code 0000_00_05.0}), else the guest address, else vendor_device of an emulated one.</li>
 * </ul>
 */
public final class LavaResults {
    static final String INTERRUPTS = "interrupts";

    private LavaResults() {}

    public static List<LavaTestCase> cases(HarnessReport report, int expectedExitCode) {
        List<LavaTestCase> out = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (HarnessReport.GuestResult g : report.guests()) {
            long total = g.devices().stream()
                    .mapToLong(HarnessReport.DeviceResult::delta)
                    .sum();
            out.add(new LavaTestCase(unique(taken, LavaTestCaseId.of(g.name())), g.passed(), total, INTERRUPTS));
            HarnessReport.Workload w = g.workload();
            boolean ran = w != null && w.exitCode() != null;
            out.add(new LavaTestCase(
                    unique(taken, LavaTestCaseId.of(g.name(), "workload")),
                    ran && w.exitCode() == expectedExitCode,
                    ran ? w.elapsed().toMillis() : null,
                    ran ? "ms" : null));
            for (HarnessReport.DeviceResult d : g.devices()) {
                String device = d.host() != null
                        ? d.host()
                        : d.guest() != null ? d.guest() : d.vendorDevice() != null ? d.vendorDevice() : "device";
                out.add(new LavaTestCase(
                        unique(taken, LavaTestCaseId.of(g.name(), device)), d.passed(), d.delta(), INTERRUPTS));
            }
        }
        return out;
    }

    /** Two identical emulated devices in one guest would clash: the second becomes ID-2, and so on. */
    private static String unique(Set<String> taken, String id) {
        String candidate = id;
        for (int n = 2; !taken.add(candidate); n++) {
            candidate = id + "-" + n;
        }
        return candidate;
    }
}
