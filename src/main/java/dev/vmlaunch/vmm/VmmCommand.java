package dev.vmlaunch.vmm;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Vmm;
import java.util.List;

/** Builds the exact argv that starts a guest. Never a shell string. */
public interface VmmCommand {

    List<String> argv(GuestSpec spec, RunLayout layout);

    static VmmCommand forSpec(GuestSpec spec) {
        return spec.vmm() == Vmm.LKVM ? new LkvmCommand() : new QemuCommand();
    }

    /** The argv {@code run} would execute for {@code spec}. */
    static List<String> build(GuestSpec spec, RunLayout layout) {
        return forSpec(spec).argv(spec, layout);
    }
}
