package dev.vmlaunch.vmm;

import dev.vmlaunch.config.GuestSpec;
import java.util.List;

/** Builds the exact argv that starts a guest. Never a shell string. Which one a guest uses is its driver's choice. */
public interface VmmCommand {

    List<String> argv(GuestSpec spec, RunLayout layout);
}
