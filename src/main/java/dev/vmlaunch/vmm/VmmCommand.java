package dev.vmlaunch.vmm;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Vmm;
import java.util.List;

/** Builds the exact argv that starts a guest. Never a shell string. */
public interface VmmCommand {

    List<String> argv(GuestSpec spec, RunLayout layout);

    static VmmCommand forSpec(GuestSpec spec) {
        return forSpec(spec, RootPortReserve.NONE);
    }

    static VmmCommand forSpec(GuestSpec spec, RootPortReserve reserve) {
        return spec.vmm() == Vmm.LKVM ? new LkvmCommand() : new QemuCommand(reserve);
    }

    /** The argv for {@code spec} without host facts (no root port reservations). */
    static List<String> build(GuestSpec spec, RunLayout layout) {
        return forSpec(spec).argv(spec, layout);
    }

    /** The argv {@code run} would execute for {@code spec} on a host whose devices need {@code reserve}. */
    static List<String> build(GuestSpec spec, RunLayout layout, RootPortReserve reserve) {
        return forSpec(spec, reserve).argv(spec, layout);
    }
}
