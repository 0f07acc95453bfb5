package dev.vmlaunch.host;

/**
 * What a device looked like before vmlaunch bound it to vfio-pci, written to disk before the first change so that
 * the driver can be given back even after a crash.
 *
 * @param address          the device, {@code 0000:01:00.0}
 * @param originalDriver   its driver before, null when it had none
 * @param originalOverride its driver_override before, null when unset
 * @param owner            who bound it: a guest name, or "vmlaunch bind"
 * @param pid              the process that bound it
 * @param boundAt          ISO-8601 instant
 */
public record BindRecord(
        String address, String originalDriver, String originalOverride, String owner, long pid, String boundAt) {}
