package dev.vmlaunch.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What a harness run found: per guest, per device. */
public record HarnessReport(String name, boolean passed, List<GuestResult> guests, Duration elapsed) {

    public HarnessReport {
        guests = List.copyOf(guests);
    }

    /**
     * One guest. {@code error} says what went wrong outside the judging (it never booted, the run was cancelled);
     * null when the guest got as far as being judged.
     */
    public record GuestResult(String name, boolean passed, String error, List<DeviceResult> devices, Workload workload,
            Path consoleLog) {
        public GuestResult {
            devices = List.copyOf(devices);
        }
    }

    /**
     * One judged device: its host address (null for an emulated one), its address in the guest (null when it was not
     * found there), the chip of its vectors, how many vectors it has and how many fired, the total interrupts, and
     * why it failed (null when it passed).
     */
    public record DeviceResult(String host, String guest, String vendorDevice, String chip, int vectors, int fired,
            long delta, boolean passed, String failure) {
    }

    /** The workload's exit code (null when it never ran or did not finish) and output. */
    public record Workload(Integer exitCode, String output, Duration elapsed) {
    }
}
