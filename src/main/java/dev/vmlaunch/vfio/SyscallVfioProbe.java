package dev.vmlaunch.vfio;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The probe sequence over {@link VfioSyscalls}, in the order QEMU's vfio_connect_container and
 * vfio_get_device use: container, API version, extensions, group, status, set container, set IOMMU, device fd,
 * device/region/IRQ info. The fds are closed in reverse order of opening (device, group, container) on every
 * path, so the group node is free for the VMM afterwards.
 */
final class SyscallVfioProbe implements VfioProbe {
    private final Path devRoot;
    private final VfioSyscalls sys;
    private final VfioStructs structs;

    SyscallVfioProbe(Path devRoot, VfioSyscalls sys, VfioStructs structs) {
        this.devRoot = devRoot;
        this.sys = sys;
        this.structs = structs;
    }

    @Override
    public VfioReport probe(int groupId, PciAddress device) {
        if (groupId < 0) {
            throw new IllegalArgumentException("IOMMU group must be >= 0, got " + groupId);
        }
        VfioErrors errors = new VfioErrors(devRoot, groupId, device);
        Deque<Integer> opened = new ArrayDeque<>();
        Throwable failure = null;
        try {
            return run(groupId, device, errors, opened);
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            closeAll(opened, errors, failure);
        }
    }

    private VfioReport run(int groupId, PciAddress device, VfioErrors errors, Deque<Integer> opened) {
        int flags = VfioAbi.O_RDWR | VfioAbi.O_CLOEXEC;
        int container =
                check(VfioStep.OPEN_CONTAINER, sys.open(errors.containerNode().toString(), flags), errors);
        opened.push(container);

        int api = check(VfioStep.GET_API_VERSION, sys.ioctl(container, VfioAbi.VFIO_GET_API_VERSION, 0L), errors);
        if (api != VfioAbi.VFIO_API_VERSION) {
            throw errors.apiVersion(api);
        }
        Set<VfioIommuType> extensions = EnumSet.noneOf(VfioIommuType.class);
        for (VfioIommuType type : VfioIommuType.values()) {
            if (check(VfioStep.CHECK_EXTENSION, sys.ioctl(container, VfioAbi.VFIO_CHECK_EXTENSION, type.id()), errors)
                    > 0) {
                extensions.add(type);
            }
        }
        if (extensions.isEmpty()) {
            throw errors.noType1();
        }

        int group = check(VfioStep.OPEN_GROUP, sys.open(errors.groupNode().toString(), flags), errors);
        opened.push(group);

        byte[] status = structs.groupStatusRequest();
        check(VfioStep.GROUP_GET_STATUS, sys.ioctl(group, VfioAbi.VFIO_GROUP_GET_STATUS, status), errors);
        int groupFlags = structs.groupStatusFlags(status);
        if ((groupFlags & VfioAbi.VFIO_GROUP_FLAGS_VIABLE) == 0) {
            throw errors.notViable();
        }
        check(
                VfioStep.GROUP_SET_CONTAINER,
                sys.ioctl(group, VfioAbi.VFIO_GROUP_SET_CONTAINER, structs.containerFd(container)),
                errors);
        // EnumSet iterates in declaration order, which is the order of preference.
        VfioIommuType iommu = extensions.iterator().next();
        check(VfioStep.SET_IOMMU, sys.ioctl(container, VfioAbi.VFIO_SET_IOMMU, iommu.id()), errors);

        int deviceFd = check(
                VfioStep.GROUP_GET_DEVICE_FD,
                sys.ioctl(group, VfioAbi.VFIO_GROUP_GET_DEVICE_FD, VfioStructs.deviceName(device)),
                errors);
        opened.push(deviceFd);

        byte[] info = structs.deviceInfoRequest();
        check(VfioStep.DEVICE_GET_INFO, sys.ioctl(deviceFd, VfioAbi.VFIO_DEVICE_GET_INFO, info), errors);
        VfioDeviceInfo deviceInfo = structs.deviceInfo(info);

        List<VfioRegionInfo> regions = new ArrayList<>();
        for (int i = 0; i < deviceInfo.numRegions(); i++) {
            byte[] region = structs.regionInfoRequest(i);
            if (describedBy(
                    VfioStep.DEVICE_GET_REGION_INFO,
                    sys.ioctl(deviceFd, VfioAbi.VFIO_DEVICE_GET_REGION_INFO, region),
                    errors)) {
                regions.add(structs.regionInfo(region));
            }
        }
        List<VfioIrqInfo> irqs = new ArrayList<>();
        for (int i = 0; i < deviceInfo.numIrqs(); i++) {
            byte[] irq = structs.irqInfoRequest(i);
            if (describedBy(
                    VfioStep.DEVICE_GET_IRQ_INFO, sys.ioctl(deviceFd, VfioAbi.VFIO_DEVICE_GET_IRQ_INFO, irq), errors)) {
                irqs.add(structs.irqInfo(irq));
            }
        }
        Optional<List<PciAddress>> peers = deviceInfo.pci() ? hotResetPeers(deviceFd) : Optional.empty();
        return new VfioReport(groupId, device, api, extensions, iommu, groupFlags, deviceInfo, regions, irqs, peers);
    }

    /** At most this many devices behind one bus; a count above it is not believed. */
    static final int MAX_HOT_RESET_DEVICES = 256;

    /**
     * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: the devices a secondary bus (or slot) reset of this device would reset.
     * The kernel answers ENOSPC with the count it needs when the buffer is too small (asked again once, with that
     * room), and ENODEV when neither a slot nor a bus reset is possible. Any other answer (an older vfio-pci, a
     * non-PCI device) means we do not know: the reset verdict then rests on sysfs alone.
     */
    private Optional<List<PciAddress>> hotResetPeers(int deviceFd) {
        byte[] req = structs.hotResetInfoRequest(8);
        int r = sys.ioctl(deviceFd, VfioAbi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, req);
        if (r == -Errno.ENOSPC.number()) {
            int need = structs.hotResetCount(req);
            if (need <= 0 || need > MAX_HOT_RESET_DEVICES) {
                return Optional.empty();
            }
            req = structs.hotResetInfoRequest(need);
            r = sys.ioctl(deviceFd, VfioAbi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, req);
        }
        if (r == -Errno.ENODEV.number()) {
            return Optional.of(List.of());
        }
        return r < 0 ? Optional.empty() : Optional.of(structs.hotResetDevices(req));
    }

    /**
     * vfio-pci answers EINVAL for indexes the device does not have (the VGA region of a non-VGA device, the ERR
     * IRQ of a conventional PCI device); such an index is absent, not an error.
     */
    private static boolean describedBy(VfioStep step, int result, VfioErrors errors) {
        if (result == -Errno.EINVAL.number()) {
            return false;
        }
        check(step, result, errors);
        return true;
    }

    private static int check(VfioStep step, int result, VfioErrors errors) {
        if (result < 0) {
            throw errors.syscall(step, -result);
        }
        return result;
    }

    private void closeAll(Deque<Integer> opened, VfioErrors errors, Throwable failure) {
        VfioException closeFailure = null;
        while (!opened.isEmpty()) {
            int r = sys.close(opened.pop());
            if (r < 0) {
                VfioException e = errors.closeFailed(-r);
                if (failure != null) {
                    failure.addSuppressed(e);
                } else if (closeFailure == null) {
                    closeFailure = e;
                }
            }
        }
        if (closeFailure != null) {
            throw closeFailure;
        }
    }
}
