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
     * null when the guest got as far as being judged. {@code vmm} and {@code accel} say what ran it (null: unknown,
     * e.g. a report written before they were recorded).
     */
    public record GuestResult(
            String name,
            boolean passed,
            String error,
            List<DeviceResult> devices,
            Workload workload,
            Path consoleLog,
            String vmm,
            String accel) {
        public GuestResult {
            devices = List.copyOf(devices);
        }

        public GuestResult(
                String name,
                boolean passed,
                String error,
                List<DeviceResult> devices,
                Workload workload,
                Path consoleLog) {
            this(name, passed, error, devices, workload, consoleLog, null, null);
        }

        public GuestResult withRun(String vmm, String accel, List<DeviceResult> devices) {
            return new GuestResult(name, passed, error, devices, workload, consoleLog, vmm, accel);
        }
    }

    /**
     * One judged device: its host address (null for an emulated one), its address in the guest (null when it was not
     * found there), the chip of its vectors, how many vectors it has and how many fired, the total interrupts, and
     * why it failed (null when it passed). For a host device: {@code managed} (vmlaunch bound it and gave it back)
     * and, when managed, {@code restoredDriver}: the driver it was on once the guest had stopped (null: none, or not
     * known). Both null for an emulated device. {@code hostInterrupts}: the host's own vfio rows for a host device
     * over the workload (null for an emulated device, or when not judged); informative, it never fails a device.
     */
    public record DeviceResult(
            String host,
            String guest,
            String vendorDevice,
            String chip,
            int vectors,
            int fired,
            long delta,
            boolean passed,
            String failure,
            Boolean managed,
            String restoredDriver,
            HostInterruptSide hostInterrupts) {

        public DeviceResult(
                String host,
                String guest,
                String vendorDevice,
                String chip,
                int vectors,
                int fired,
                long delta,
                boolean passed,
                String failure) {
            this(host, guest, vendorDevice, chip, vectors, fired, delta, passed, failure, null, null, null);
        }

        public DeviceResult(
                String host,
                String guest,
                String vendorDevice,
                String chip,
                int vectors,
                int fired,
                long delta,
                boolean passed,
                String failure,
                Boolean managed,
                String restoredDriver) {
            this(
                    host,
                    guest,
                    vendorDevice,
                    chip,
                    vectors,
                    fired,
                    delta,
                    passed,
                    failure,
                    managed,
                    restoredDriver,
                    null);
        }

        public DeviceResult withCustody(Boolean managed, String restoredDriver) {
            return new DeviceResult(
                    host,
                    guest,
                    vendorDevice,
                    chip,
                    vectors,
                    fired,
                    delta,
                    passed,
                    failure,
                    managed,
                    restoredDriver,
                    hostInterrupts);
        }

        public DeviceResult withHostInterrupts(HostInterruptSide side) {
            return new DeviceResult(
                    host,
                    guest,
                    vendorDevice,
                    chip,
                    vectors,
                    fired,
                    delta,
                    passed,
                    failure,
                    managed,
                    restoredDriver,
                    side);
        }
    }

    /** The workload's exit code (null when it never ran or did not finish) and output. */
    public record Workload(Integer exitCode, String output, Duration elapsed) {}
}
