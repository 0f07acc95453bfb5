package dev.vmlaunch.qmp;

import java.time.Duration;
import java.util.Map;

/**
 * PCI hotplug over QMP: {@code device_add} into a free root port, and {@code device_del} followed by the wait for
 * {@code DEVICE_DELETED}. {@code device_del} only asks: with PCIe native hotplug QEMU presses the slot's attention
 * button and the device is gone once the guest has let go of it (Linux takes about 5 s, its cancel window); a guest
 * that ignores the button keeps the device, and only the event says it is gone. The host must not take the device
 * back before that event: QEMU still holds its VFIO group.
 */
public final class PciHotplug {
    /** QEMU's error class for an id it does not know (the device is gone already). */
    static final String DEVICE_NOT_FOUND = "DeviceNotFound";

    private PciHotplug() {}

    /** How an unplug ended. */
    public enum Removal {
        /** DEVICE_DELETED arrived for the device. */
        DELETED,
        /** QEMU knows no device of that id: it was gone before we asked (the guest ejected it, an earlier detach). */
        ALREADY_GONE
    }

    /**
     * Plugs a device in. {@code properties} are device_add's arguments: {@code driver}, {@code id}, {@code bus} and
     * the driver's own properties (for vfio-pci: {@code host}).
     *
     * @throws QmpErrorException QEMU refused (no such host device, the group is not viable, the bus is taken)
     */
    public static void add(QmpClient qmp, Map<String, ?> properties, Duration timeout)
            throws QmpException, InterruptedException {
        qmp.execute("device_add", properties, timeout);
    }

    /**
     * Asks QEMU to unplug device {@code id} and waits up to {@code unplugTimeout} for DEVICE_DELETED. The wait is
     * registered before {@code device_del} is sent: a device in a slot the guest never powered on goes at once, and
     * its event comes before the command's reply. A second request for a device whose unplug is already pending is
     * not an error here; it waits for the same event.
     *
     * @throws QmpTimeoutException the guest did not release the device in time (it is still plugged in)
     * @throws QmpErrorException   QEMU refused the request for another reason
     */
    public static Removal remove(QmpClient qmp, String id, Duration commandTimeout, Duration unplugTimeout)
            throws QmpException, InterruptedException {
        try (ExpectedEvent deleted = qmp.expectEvent(
                "DEVICE_DELETED", e -> id.equals(e.data().path("device").asText(null)))) {
            try {
                qmp.execute("device_del", Map.of("id", id), commandTimeout);
            } catch (QmpErrorException e) {
                if (DEVICE_NOT_FOUND.equals(e.errorClass())) {
                    return Removal.ALREADY_GONE;
                }
                if (!pendingAlready(e)) {
                    throw e;
                }
            }
            try {
                deleted.await(unplugTimeout);
            } catch (QmpTimeoutException e) {
                throw new QmpTimeoutException(
                        "the guest did not release " + id + " within "
                                + Deadline.describe(unplugTimeout)
                                + " of the unplug request (no DEVICE_DELETED): it ignored "
                                + "the slot's attention button, or its OS has no PCIe hotplug (pciehp); the device stays in "
                                + "the guest",
                        unplugTimeout);
            }
            return Removal.DELETED;
        }
    }

    /** QEMU 7.2 (hw/pci/pcie.c): "Device ... is already in the process of unplug". */
    private static boolean pendingAlready(QmpErrorException e) {
        return e.description() != null && e.description().contains("already in the process of unplug");
    }
}
