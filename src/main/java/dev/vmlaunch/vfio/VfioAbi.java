package dev.vmlaunch.vfio;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The numbers of the VFIO user ABI (linux/vfio.h) this package uses. Every value is listed in {@link #table()}
 * under the name native-headers/vfio_layout.c prints for it, and VfioAbiIT compares the two, so the header is
 * the authority, not this file.
 */
public final class VfioAbi {
    public static final int VFIO_API_VERSION = 0;
    public static final int VFIO_TYPE1_IOMMU = 1;
    public static final int VFIO_TYPE1v2_IOMMU = 3;

    // All VFIO ioctls are _IO(';', 100 + n): no direction or size bits, so the numbers are the same on every
    // architecture that uses the generic ioctl encoding (x86_64, aarch64).
    private static final int VFIO_TYPE = ';';
    private static final int VFIO_BASE = 100;

    public static final long VFIO_GET_API_VERSION = io(0);
    public static final long VFIO_CHECK_EXTENSION = io(1);
    public static final long VFIO_SET_IOMMU = io(2);
    public static final long VFIO_GROUP_GET_STATUS = io(3);
    public static final long VFIO_GROUP_SET_CONTAINER = io(4);
    public static final long VFIO_GROUP_GET_DEVICE_FD = io(6);
    public static final long VFIO_DEVICE_GET_INFO = io(7);
    public static final long VFIO_DEVICE_GET_REGION_INFO = io(8);
    public static final long VFIO_DEVICE_GET_IRQ_INFO = io(9);
    public static final long VFIO_DEVICE_GET_PCI_HOT_RESET_INFO = io(12);

    public static final int VFIO_GROUP_FLAGS_VIABLE = 1;
    public static final int VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1;
    public static final int VFIO_DEVICE_FLAGS_RESET = 1;
    public static final int VFIO_DEVICE_FLAGS_PCI = 1 << 1;
    public static final int VFIO_DEVICE_FLAGS_CAPS = 1 << 7;
    public static final int VFIO_REGION_INFO_FLAG_READ = 1;
    public static final int VFIO_REGION_INFO_FLAG_WRITE = 1 << 1;
    public static final int VFIO_REGION_INFO_FLAG_MMAP = 1 << 2;
    public static final int VFIO_REGION_INFO_FLAG_CAPS = 1 << 3;
    public static final int VFIO_IRQ_INFO_EVENTFD = 1;
    public static final int VFIO_IRQ_INFO_MASKABLE = 1 << 1;
    public static final int VFIO_IRQ_INFO_AUTOMASKED = 1 << 2;
    public static final int VFIO_IRQ_INFO_NORESIZE = 1 << 3;

    public static final int VFIO_PCI_BAR0_REGION_INDEX = 0;
    public static final int VFIO_PCI_ROM_REGION_INDEX = 6;
    public static final int VFIO_PCI_CONFIG_REGION_INDEX = 7;
    public static final int VFIO_PCI_VGA_REGION_INDEX = 8;
    public static final int VFIO_PCI_NUM_REGIONS = 9;
    public static final int VFIO_PCI_INTX_IRQ_INDEX = 0;
    public static final int VFIO_PCI_MSI_IRQ_INDEX = 1;
    public static final int VFIO_PCI_MSIX_IRQ_INDEX = 2;
    public static final int VFIO_PCI_ERR_IRQ_INDEX = 3;
    public static final int VFIO_PCI_REQ_IRQ_INDEX = 4;
    public static final int VFIO_PCI_NUM_IRQS = 5;

    /** struct vfio_group_status. */
    public static final class GroupStatus {
        public static final int SIZE = 8;
        public static final int ARGSZ = 0;
        public static final int FLAGS = 4;

        private GroupStatus() {}
    }

    /** struct vfio_device_info. */
    public static final class DeviceInfo {
        public static final int SIZE = 20;
        public static final int ARGSZ = 0;
        public static final int FLAGS = 4;
        public static final int NUM_REGIONS = 8;
        public static final int NUM_IRQS = 12;
        public static final int CAP_OFFSET = 16;

        private DeviceInfo() {}
    }

    /** struct vfio_region_info. */
    public static final class RegionInfo {
        public static final int SIZE = 32;
        public static final int ARGSZ = 0;
        public static final int FLAGS = 4;
        public static final int INDEX = 8;
        public static final int CAP_OFFSET = 12;
        public static final int REGION_SIZE = 16;
        public static final int REGION_OFFSET = 24;

        private RegionInfo() {}
    }

    /** struct vfio_irq_info. */
    public static final class IrqInfo {
        public static final int SIZE = 16;
        public static final int ARGSZ = 0;
        public static final int FLAGS = 4;
        public static final int INDEX = 8;
        public static final int COUNT = 12;

        private IrqInfo() {}
    }

    /** struct vfio_pci_hot_reset_info: a header, then {@code count} struct vfio_pci_dependent_device. */
    public static final class HotResetInfo {
        public static final int SIZE = 12;
        public static final int ARGSZ = 0;
        public static final int FLAGS = 4;
        public static final int COUNT = 8;
        public static final int DEVICES = 12;

        private HotResetInfo() {}
    }

    /** struct vfio_pci_dependent_device (group_id shares its place with devid in newer headers). */
    public static final class DependentDevice {
        public static final int SIZE = 8;
        public static final int GROUP_ID = 0;
        public static final int SEGMENT = 4;
        public static final int BUS = 6;
        public static final int DEVFN = 7;

        private DependentDevice() {}
    }

    /** GROUP_SET_CONTAINER reads the container fd as an __s32 through a pointer. */
    public static final int CONTAINER_FD_SIZE = 4;

    /** open(2) flags for the VFIO nodes (generic Linux values, the same on x86_64 and aarch64). */
    public static final int O_RDWR = 2;

    public static final int O_CLOEXEC = 0x80000;

    private VfioAbi() {}

    private static long io(int n) {
        return ((long) VFIO_TYPE << 8) | (VFIO_BASE + n);
    }

    /** Every value above (and the errno numbers) under the names vfio_layout.c prints. */
    public static Map<String, Long> table() {
        Map<String, Long> t = new LinkedHashMap<>();
        t.put("VFIO_API_VERSION", (long) VFIO_API_VERSION);
        t.put("VFIO_TYPE1_IOMMU", (long) VFIO_TYPE1_IOMMU);
        t.put("VFIO_TYPE1v2_IOMMU", (long) VFIO_TYPE1v2_IOMMU);
        t.put("VFIO_GET_API_VERSION", VFIO_GET_API_VERSION);
        t.put("VFIO_CHECK_EXTENSION", VFIO_CHECK_EXTENSION);
        t.put("VFIO_SET_IOMMU", VFIO_SET_IOMMU);
        t.put("VFIO_GROUP_GET_STATUS", VFIO_GROUP_GET_STATUS);
        t.put("VFIO_GROUP_SET_CONTAINER", VFIO_GROUP_SET_CONTAINER);
        t.put("VFIO_GROUP_GET_DEVICE_FD", VFIO_GROUP_GET_DEVICE_FD);
        t.put("VFIO_DEVICE_GET_INFO", VFIO_DEVICE_GET_INFO);
        t.put("VFIO_DEVICE_GET_REGION_INFO", VFIO_DEVICE_GET_REGION_INFO);
        t.put("VFIO_DEVICE_GET_IRQ_INFO", VFIO_DEVICE_GET_IRQ_INFO);
        t.put("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", VFIO_DEVICE_GET_PCI_HOT_RESET_INFO);
        t.put("VFIO_GROUP_FLAGS_VIABLE", (long) VFIO_GROUP_FLAGS_VIABLE);
        t.put("VFIO_GROUP_FLAGS_CONTAINER_SET", (long) VFIO_GROUP_FLAGS_CONTAINER_SET);
        t.put("VFIO_DEVICE_FLAGS_RESET", (long) VFIO_DEVICE_FLAGS_RESET);
        t.put("VFIO_DEVICE_FLAGS_PCI", (long) VFIO_DEVICE_FLAGS_PCI);
        t.put("VFIO_DEVICE_FLAGS_CAPS", (long) VFIO_DEVICE_FLAGS_CAPS);
        t.put("VFIO_REGION_INFO_FLAG_READ", (long) VFIO_REGION_INFO_FLAG_READ);
        t.put("VFIO_REGION_INFO_FLAG_WRITE", (long) VFIO_REGION_INFO_FLAG_WRITE);
        t.put("VFIO_REGION_INFO_FLAG_MMAP", (long) VFIO_REGION_INFO_FLAG_MMAP);
        t.put("VFIO_REGION_INFO_FLAG_CAPS", (long) VFIO_REGION_INFO_FLAG_CAPS);
        t.put("VFIO_IRQ_INFO_EVENTFD", (long) VFIO_IRQ_INFO_EVENTFD);
        t.put("VFIO_IRQ_INFO_MASKABLE", (long) VFIO_IRQ_INFO_MASKABLE);
        t.put("VFIO_IRQ_INFO_AUTOMASKED", (long) VFIO_IRQ_INFO_AUTOMASKED);
        t.put("VFIO_IRQ_INFO_NORESIZE", (long) VFIO_IRQ_INFO_NORESIZE);
        t.put("VFIO_PCI_BAR0_REGION_INDEX", (long) VFIO_PCI_BAR0_REGION_INDEX);
        t.put("VFIO_PCI_ROM_REGION_INDEX", (long) VFIO_PCI_ROM_REGION_INDEX);
        t.put("VFIO_PCI_CONFIG_REGION_INDEX", (long) VFIO_PCI_CONFIG_REGION_INDEX);
        t.put("VFIO_PCI_VGA_REGION_INDEX", (long) VFIO_PCI_VGA_REGION_INDEX);
        t.put("VFIO_PCI_NUM_REGIONS", (long) VFIO_PCI_NUM_REGIONS);
        t.put("VFIO_PCI_INTX_IRQ_INDEX", (long) VFIO_PCI_INTX_IRQ_INDEX);
        t.put("VFIO_PCI_MSI_IRQ_INDEX", (long) VFIO_PCI_MSI_IRQ_INDEX);
        t.put("VFIO_PCI_MSIX_IRQ_INDEX", (long) VFIO_PCI_MSIX_IRQ_INDEX);
        t.put("VFIO_PCI_ERR_IRQ_INDEX", (long) VFIO_PCI_ERR_IRQ_INDEX);
        t.put("VFIO_PCI_REQ_IRQ_INDEX", (long) VFIO_PCI_REQ_IRQ_INDEX);
        t.put("VFIO_PCI_NUM_IRQS", (long) VFIO_PCI_NUM_IRQS);

        t.put("sizeof.vfio_group_status", (long) GroupStatus.SIZE);
        t.put("offsetof.vfio_group_status.argsz", (long) GroupStatus.ARGSZ);
        t.put("offsetof.vfio_group_status.flags", (long) GroupStatus.FLAGS);
        t.put("sizeof.vfio_device_info", (long) DeviceInfo.SIZE);
        t.put("offsetof.vfio_device_info.argsz", (long) DeviceInfo.ARGSZ);
        t.put("offsetof.vfio_device_info.flags", (long) DeviceInfo.FLAGS);
        t.put("offsetof.vfio_device_info.num_regions", (long) DeviceInfo.NUM_REGIONS);
        t.put("offsetof.vfio_device_info.num_irqs", (long) DeviceInfo.NUM_IRQS);
        t.put("offsetof.vfio_device_info.cap_offset", (long) DeviceInfo.CAP_OFFSET);
        t.put("sizeof.vfio_region_info", (long) RegionInfo.SIZE);
        t.put("offsetof.vfio_region_info.argsz", (long) RegionInfo.ARGSZ);
        t.put("offsetof.vfio_region_info.flags", (long) RegionInfo.FLAGS);
        t.put("offsetof.vfio_region_info.index", (long) RegionInfo.INDEX);
        t.put("offsetof.vfio_region_info.cap_offset", (long) RegionInfo.CAP_OFFSET);
        t.put("offsetof.vfio_region_info.size", (long) RegionInfo.REGION_SIZE);
        t.put("offsetof.vfio_region_info.offset", (long) RegionInfo.REGION_OFFSET);
        t.put("sizeof.vfio_irq_info", (long) IrqInfo.SIZE);
        t.put("offsetof.vfio_irq_info.argsz", (long) IrqInfo.ARGSZ);
        t.put("offsetof.vfio_irq_info.flags", (long) IrqInfo.FLAGS);
        t.put("offsetof.vfio_irq_info.index", (long) IrqInfo.INDEX);
        t.put("offsetof.vfio_irq_info.count", (long) IrqInfo.COUNT);
        t.put("sizeof.vfio_pci_hot_reset_info", (long) HotResetInfo.SIZE);
        t.put("offsetof.vfio_pci_hot_reset_info.argsz", (long) HotResetInfo.ARGSZ);
        t.put("offsetof.vfio_pci_hot_reset_info.flags", (long) HotResetInfo.FLAGS);
        t.put("offsetof.vfio_pci_hot_reset_info.count", (long) HotResetInfo.COUNT);
        t.put("offsetof.vfio_pci_hot_reset_info.devices", (long) HotResetInfo.DEVICES);
        t.put("sizeof.vfio_pci_dependent_device", (long) DependentDevice.SIZE);
        t.put("offsetof.vfio_pci_dependent_device.group_id", (long) DependentDevice.GROUP_ID);
        t.put("offsetof.vfio_pci_dependent_device.segment", (long) DependentDevice.SEGMENT);
        t.put("offsetof.vfio_pci_dependent_device.bus", (long) DependentDevice.BUS);
        t.put("offsetof.vfio_pci_dependent_device.devfn", (long) DependentDevice.DEVFN);
        t.put("sizeof.container_fd", (long) CONTAINER_FD_SIZE);

        t.put("O_RDWR", (long) O_RDWR);
        t.put("O_CLOEXEC", (long) O_CLOEXEC);
        for (Errno e : Errno.values()) {
            t.put(e.name(), (long) e.number());
        }
        return t;
    }
}
