package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.util.List;

/**
 * One before-launch verdict about one passthrough device (reset, BARs, boot framebuffer, MMIO window, NUMA): what
 * was found, the files or ioctls it was read from, and what to do when it is not good. {@code check} prints the
 * pass lines in its summary and turns warn/fail into problems; {@code groups} and {@code host check} show them too.
 *
 * @param id       a stable name for scripts: {@code reset}, {@code bars}, {@code boot-framebuffer}, ...
 * @param evidence what was read, e.g. {@code /sys/bus/pci/devices/0000:01:00.0/reset_method = "bus"}
 * @param remedy   null on pass
 */
public record DeviceVerdict(
        String id, PciAddress device, DoctorCheck.Status status, String detail, List<String> evidence, String remedy) {

    public DeviceVerdict {
        evidence = List.copyOf(evidence);
    }

    static DeviceVerdict pass(String id, PciAddress device, String detail, List<String> evidence) {
        return new DeviceVerdict(id, device, DoctorCheck.Status.PASS, detail, evidence, null);
    }

    static DeviceVerdict warn(String id, PciAddress device, String detail, List<String> evidence, String remedy) {
        return new DeviceVerdict(id, device, DoctorCheck.Status.WARN, detail, evidence, remedy);
    }

    static DeviceVerdict fail(String id, PciAddress device, String detail, List<String> evidence, String remedy) {
        return new DeviceVerdict(id, device, DoctorCheck.Status.FAIL, detail, evidence, remedy);
    }

    public boolean passed() {
        return status == DoctorCheck.Status.PASS;
    }

    /** The summary line of {@code check}: "  reset: flr (evidence: ...)". */
    public String line() {
        return id + ": " + detail + " [" + String.join("; ", evidence) + "]";
    }

    /** A warning (warn) or an error (fail) for {@code check}; the evidence goes into the message. */
    public Problem problem() {
        String message = device + ": " + detail + " (read: " + String.join("; ", evidence) + ")";
        return status == DoctorCheck.Status.FAIL ? Problem.error(message, remedy) : Problem.warning(message, remedy);
    }

    /** The same verdict as a line of {@code host check}: id "reset 0000:01:00.0". */
    public DoctorCheck doctorCheck() {
        return new DoctorCheck(id + " " + device, status, detail + " [" + String.join("; ", evidence) + "]", remedy);
    }
}
