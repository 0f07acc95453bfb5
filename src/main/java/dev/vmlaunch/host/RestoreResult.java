package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.util.List;

/** What {@link DeviceBinder#restore} did. A failed device keeps its record, so a later restore can retry it. */
public record RestoreResult(List<BindResult.Change> restored, List<Failure> failures) {
    public RestoreResult {
        restored = List.copyOf(restored);
        failures = List.copyOf(failures);
    }

    public record Failure(PciAddress address, String message) {}

    public boolean ok() {
        return failures.isEmpty();
    }
}
