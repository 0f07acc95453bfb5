package dev.vmlaunch.driver.lkvm;

/**
 * kvmtool prints "  Error: ..." / "  Fatal: ..." and, for VFIO, carries on without the device
 * ("Error: Failed to open /dev/vfio/vfio"). Such lines mean the guest is not the one the user asked for.
 */
final class LkvmErrors {
    private LkvmErrors() {}

    static boolean isFatal(String line) {
        String t = line.trim();
        return t.startsWith("Fatal:") || (t.startsWith("Error:") && (t.contains("vfio") || t.contains("VFIO")));
    }
}
