package dev.vmlaunch.cli;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import java.util.ArrayList;
import java.util.List;

/** Helpers shared by the host commands. */
final class HostCli {
    private HostCli() {}

    /** Parses every address before any of them touches a path; a bad one is a usage error (exit 2). */
    static List<PciAddress> addresses(List<String> texts) {
        List<PciAddress> out = new ArrayList<>();
        for (String t : texts) {
            try {
                out.add(PciAddress.parse(t));
            } catch (IllegalArgumentException e) {
                throw VmlaunchException.usage(e.getMessage());
            }
        }
        return out;
    }
}
