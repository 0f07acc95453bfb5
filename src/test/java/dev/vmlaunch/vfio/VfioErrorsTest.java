package dev.vmlaunch.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class VfioErrorsTest {
    private final VfioErrors errors = new VfioErrors(Path.of("/dev"), 12, PciAddress.parse("0000:08:00.1"));

    private VfioException at(VfioStep step, Errno errno) {
        VfioException e = errors.syscall(step, errno.number());
        assertEquals(step, e.step());
        assertEquals(errno.number(), e.errno());
        return e;
    }

    private static void says(VfioException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "expected '" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void busyGroupIsOpenElsewhere() {
        VfioException e = at(VfioStep.OPEN_GROUP, Errno.EBUSY);
        assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
        says(
                e,
                "group 12 is open in another process",
                "single opener",
                "fuser -v /dev/vfio/12",
                "[open group: EBUSY (Device or resource busy)]");
    }

    @Test
    void permissionDeniedOnTheGroupNodeNamesRootOwnershipAndMemlock() {
        says(at(VfioStep.OPEN_GROUP, Errno.EACCES), "permission denied on /dev/vfio/12", "root", "chown", "ulimit -l");
    }

    @Test
    void missingGroupNodeMeansNotBoundToVfioPci() {
        says(
                at(VfioStep.OPEN_GROUP, Errno.ENOENT),
                "/dev/vfio/12 does not exist",
                "Bind 0000:08:00.1 to vfio-pci",
                "/sys/bus/pci/devices/0000:08:00.1/iommu_group");
    }

    @Test
    void missingContainerNodeMeansModulesNotLoaded() {
        says(at(VfioStep.OPEN_CONTAINER, Errno.ENOENT), "/dev/vfio/vfio does not exist", "modprobe vfio-pci");
    }

    @Test
    void epermOnSetIommuIsMissingInterruptRemapping() {
        VfioException e = at(VfioStep.SET_IOMMU, Errno.EPERM);
        assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
        says(
                e,
                "interrupt remapping is missing",
                "group 12",
                "intremap=on",
                "kernel-irqchip=split",
                "allow_unsafe_interrupts=1");
    }

    @Test
    void epermElsewhereIsNotCalledInterruptRemapping() {
        VfioException e = at(VfioStep.GROUP_SET_CONTAINER, Errno.EPERM);
        assertTrue(!e.getMessage().contains("interrupt remapping"), e.getMessage());
        says(e, "CAP_SYS_RAWIO");
    }

    @Test
    void busyOnSetContainerIsAGroupWithAHostDriver() {
        says(
                at(VfioStep.GROUP_SET_CONTAINER, Errno.EBUSY),
                "group 12 is not viable",
                "/sys/kernel/iommu_groups/12/devices");
    }

    @Test
    void enodevOnGetDeviceFdMeansWrongGroupOrDriver() {
        says(
                at(VfioStep.GROUP_GET_DEVICE_FD, Errno.ENODEV),
                "0000:08:00.1 is not a VFIO device of group 12",
                "readlink /sys/bus/pci/devices/0000:08:00.1/driver");
    }

    @Test
    void einvalOnGetDeviceFdPointsAtViabilityOnOlderKernels() {
        says(at(VfioStep.GROUP_GET_DEVICE_FD, Errno.EINVAL), "not viable", "vfio-pci");
    }

    @Test
    void enottyMeansTheNodeIsNotAVfioNode() {
        says(at(VfioStep.GET_API_VERSION, Errno.ENOTTY), "/dev/vfio/vfio does not answer VFIO ioctls");
        says(at(VfioStep.GROUP_GET_STATUS, Errno.ENOTTY), "/dev/vfio/12 does not answer VFIO ioctls");
    }

    @Test
    void anErrnoWithoutAdviceIsAFailureThatStillNamesStepGroupDeviceAndErrno() {
        VfioException e = at(VfioStep.DEVICE_GET_INFO, Errno.EFAULT);
        assertEquals(ExitCodes.FAILURE, e.exitCode());
        assertEquals(
                "VFIO_DEVICE_GET_INFO failed for group 12 (device 0000:08:00.1): EFAULT (Bad address)", e.getMessage());
    }

    @Test
    void anUnknownErrnoNumberIsShownAsANumber() {
        VfioException e = errors.syscall(VfioStep.OPEN_GROUP, 200);
        assertEquals(200, e.errno());
        says(e, "errno 200");
    }

    @Test
    void theDevRootMovesTheNodesInMessages() {
        VfioErrors moved = new VfioErrors(Path.of("/tmp/lab/dev"), 3, PciAddress.parse("00:02.0"));
        assertTrue(moved.syscall(VfioStep.OPEN_GROUP, Errno.EBUSY.number())
                .getMessage()
                .contains("fuser -v /tmp/lab/dev/vfio/3"));
    }
}
