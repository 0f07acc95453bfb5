package dev.vmlaunch.harness;

import dev.vmlaunch.config.GuestSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated harness file: which guests to boot, the 9p share (by tag) through which their agents talk, the
 * workload each runs with that share as its working directory, and what must be true afterwards.
 *
 * @param devices vendor:device pairs of emulated devices to judge besides the passthrough ones
 * @param driver  how the harness reaches each guest unless {@code drivers} names it
 * @param drivers per guest name, a driver other than {@code driver}
 */
public record HarnessSpec(
        Path source,
        String name,
        List<GuestSpec> guests,
        String shareTag,
        String workload,
        Duration bootTimeout,
        Duration workloadTimeout,
        Expect expect,
        List<String> devices,
        ConsoleSpec.Choice driver,
        Map<String, ConsoleSpec.Choice> drivers) {

    public HarnessSpec {
        guests = List.copyOf(guests);
        devices = List.copyOf(devices);
        drivers = Map.copyOf(drivers);
    }

    /** The driver of {@code guest}. */
    public ConsoleSpec.Choice driverOf(GuestSpec guest) {
        return drivers.getOrDefault(guest.name(), driver);
    }

    /**
     * What must hold for each judged device.
     *
     * @param chip            the interrupt chip its vectors must be on (e.g. ITS-MSI, IR-PCI-MSI), or null for any
     * @param minVectorsFired how many of its MSI/MSI-X vectors must have fired at least once
     * @param minTotalDelta   how many interrupts in all, across its vectors and CPUs
     * @param exitCode        the workload's expected exit code
     */
    public record Expect(String chip, int minVectorsFired, long minTotalDelta, int exitCode) {
        public static final Expect DEFAULT = new Expect(null, 1, 1, 0);
    }

    /** The share a guest's agent uses. */
    public GuestSpec.Share shareOf(GuestSpec guest) {
        return guest.shares().stream()
                .filter(s -> s.tag().equals(shareTag))
                .findFirst()
                .orElseThrow();
    }
}
