package dev.vmlaunch.vfio;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;

/**
 * Turns what the kernel answered at each probe step into a message that says what to do. The errno meanings
 * follow drivers/vfio (group.c, container.c, vfio_iommu_type1.c): for example EBUSY from open() is the group's
 * single opener, EPERM from SET_IOMMU is type1 refusing a platform without interrupt remapping.
 */
final class VfioErrors {
    private final Path devRoot;
    private final int group;
    private final PciAddress device;

    VfioErrors(Path devRoot, int group, PciAddress device) {
        this.devRoot = devRoot;
        this.group = group;
        this.device = device;
    }

    Path containerNode() {
        return devRoot.resolve("vfio").resolve("vfio");
    }

    Path groupNode() {
        return devRoot.resolve("vfio").resolve(Integer.toString(group));
    }

    /** A call that returned -errno. */
    VfioException syscall(VfioStep step, int errno) {
        String m = actionable(step, Errno.of(errno).orElse(null));
        if (m != null) {
            return new VfioException(
                    step,
                    errno,
                    ExitCodes.HOST_NOT_READY,
                    m + " [" + step.label() + ": " + Errno.describe(errno) + "]");
        }
        return new VfioException(
                step,
                errno,
                ExitCodes.FAILURE,
                step.label() + " failed for group " + group + " (device " + device + "): " + Errno.describe(errno));
    }

    VfioException apiVersion(int version) {
        return new VfioException(
                VfioStep.GET_API_VERSION,
                0,
                ExitCodes.HOST_NOT_READY,
                "the kernel's VFIO API version is " + version + ", vmlaunch speaks version " + VfioAbi.VFIO_API_VERSION
                        + " (the only version Linux has defined)");
    }

    VfioException noType1() {
        return new VfioException(
                VfioStep.CHECK_EXTENSION,
                0,
                ExitCodes.HOST_NOT_READY,
                "the VFIO container offers no type1 IOMMU backend: load it (modprobe vfio_iommu_type1) and check"
                        + " that the IOMMU is enabled (intel_iommu=on or amd_iommu=on on the kernel command line;"
                        + " dmesg | grep -i -e DMAR -e IOMMU -e SMMU)");
    }

    VfioException notViable() {
        return new VfioException(
                VfioStep.GROUP_GET_STATUS,
                0,
                ExitCodes.HOST_NOT_READY,
                "group " + group + " is not viable. Please ensure all devices within the iommu_group are bound to"
                        + " their vfio bus driver: every device in /sys/kernel/iommu_groups/" + group
                        + "/devices must use vfio-pci or pci-stub, have no driver, or be a PCI bridge");
    }

    VfioException closeFailed(int errno) {
        return new VfioException(
                VfioStep.CLOSE,
                errno,
                ExitCodes.FAILURE,
                "closing a VFIO fd of group " + group + " failed: " + Errno.describe(errno));
    }

    private String actionable(VfioStep step, Errno errno) {
        if (errno == null) {
            return null;
        }
        if (errno == Errno.ENOTTY) {
            // ENOTTY is a file that does not implement the ioctl: the node is not what its name says.
            Path node =
                    switch (step) {
                        case GET_API_VERSION, CHECK_EXTENSION, SET_IOMMU -> containerNode();
                        case GROUP_GET_STATUS, GROUP_SET_CONTAINER, GROUP_GET_DEVICE_FD -> groupNode();
                        default -> null;
                    };
            return node == null
                    ? null
                    : node + " does not answer VFIO ioctls: it is not a VFIO node (does"
                            + " VMLAUNCH_DEV point to the real /dev?)";
        }
        String bdf = device.toString();
        String sysDev = "/sys/bus/pci/devices/" + bdf;
        return switch (step) {
            case OPEN_CONTAINER -> switch (errno) {
                case ENOENT -> containerNode() + " does not exist: the vfio driver is not loaded (modprobe vfio-pci)";
                case ENODEV, ENXIO -> containerNode()
                        + " exists but no driver answers it: load vfio (modprobe vfio-pci)";
                case EACCES, EPERM -> "access to " + containerNode() + " is denied: the node is normally mode 0666;"
                        + " check its mode and any device cgroup or security policy (SELinux, AppArmor, container"
                        + " runtime) that restricts it";
                default -> null;
            };
            case OPEN_GROUP -> switch (errno) {
                case ENOENT -> groupNode() + " does not exist: no device of IOMMU group " + group
                        + " is bound to vfio-pci (or the vfio modules are not loaded). Bind " + bdf
                        + " to vfio-pci and check that " + group + " is its group (readlink " + sysDev
                        + "/iommu_group)";
                case EBUSY -> "group " + group + " is open in another process (a running VMM or another vmlaunch);"
                        + " a VFIO group has a single opener. Stop that process first (fuser -v " + groupNode()
                        + " names it)";
                case EACCES -> "permission denied on " + groupNode() + ": run as root, or give the node to the user"
                        + " who runs the guest (chown, or a udev rule for vfio/" + group + "); that user also needs"
                        + " a locked-memory limit of at least the guest's RAM (ulimit -l)";
                case EPERM -> "opening " + groupNode() + " is not permitted: a device cgroup or security policy"
                        + " (SELinux, AppArmor, container runtime) denies the node, or it is a no-IOMMU group,"
                        + " which needs CAP_SYS_RAWIO";
                case ENODEV, ENXIO -> "group " + group + " has no VFIO driver any more (a device was unbound from"
                        + " vfio-pci meanwhile): bind " + bdf + " to vfio-pci again";
                default -> null;
            };
            case GROUP_GET_STATUS -> errno == Errno.ENODEV
                    ? "group " + group + " lost its IOMMU group while open (a device was removed); try again"
                    : null;
            case GROUP_SET_CONTAINER -> switch (errno) {
                case EBUSY -> "group " + group + " is not viable: a device in it is still bound to a host driver"
                        + " that owns its DMA. Bind every device in /sys/kernel/iommu_groups/" + group
                        + "/devices to vfio-pci (bridges may stay)";
                case EPERM -> "group " + group + " cannot join the container: a no-IOMMU group needs"
                        + " CAP_SYS_RAWIO and cannot share a container with IOMMU groups";
                case EINVAL -> "group " + group + " already belongs to a container (is another process using it?)";
                default -> null;
            };
            case SET_IOMMU -> switch (errno) {
                case EPERM -> "interrupt remapping is missing: the IOMMU cannot isolate MSIs of group " + group
                        + ", so vfio_iommu_type1 refuses it (dmesg: \"No interrupt remapping support\"). Enable"
                        + " interrupt remapping (VT-d/AMD-Vi interrupt remapping in firmware, no intremap=off on"
                        + " the kernel command line; in a QEMU x86 host: -M q35,kernel-irqchip=split -device"
                        + " intel-iommu,intremap=on), or, if you trust the device, load vfio_iommu_type1 with"
                        + " allow_unsafe_interrupts=1";
                case ENODEV -> "no IOMMU backend accepts group " + group + ": load vfio_iommu_type1 (modprobe"
                        + " vfio_iommu_type1) and check that the IOMMU is enabled for this device";
                case EBUSY, EINVAL -> "the IOMMU backend refused group " + group + " (its devices may sit behind"
                        + " different IOMMUs, or the container is already set up); see dmesg";
                default -> null;
            };
            case GROUP_GET_DEVICE_FD -> switch (errno) {
                case ENODEV, ENOENT -> bdf + " is not a VFIO device of group " + group + ": check that it is bound"
                        + " to vfio-pci (readlink " + sysDev + "/driver) and that its group is " + group
                        + " (readlink " + sysDev + "/iommu_group)";
                case EINVAL -> "the kernel refused " + bdf + " in group " + group + " (older kernels say EINVAL"
                        + " when the group is not viable): bind every device in /sys/kernel/iommu_groups/" + group
                        + "/devices to vfio-pci";
                case EBUSY -> bdf + " is busy: vfio-pci could not enable it (in use elsewhere, or a reset is"
                        + " pending); see dmesg";
                case EMFILE, ENFILE -> "out of file descriptors opening " + bdf + ": raise ulimit -n";
                default -> null;
            };
            default -> null;
        };
    }
}
