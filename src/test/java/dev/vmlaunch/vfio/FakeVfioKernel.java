package dev.vmlaunch.vfio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A little-endian VFIO kernel for tests: one container node, one group node, one device, answering the ioctls
 * with the checks drivers/vfio makes (argsz, container set before IOMMU, IOMMU set before device fds, the
 * device's name) and logging every call so tests can assert the order of opens and closes.
 */
final class FakeVfioKernel implements VfioSyscalls {
    enum Kind {
        CONTAINER,
        GROUP,
        DEVICE
    }

    final String containerPath;
    final String groupPath;
    final String deviceName;

    int apiVersion = 0;
    Set<Integer> extensions = new HashSet<>(Set.of(VfioAbi.VFIO_TYPE1v2_IOMMU, VfioAbi.VFIO_TYPE1_IOMMU));
    int groupFlags = VfioAbi.VFIO_GROUP_FLAGS_VIABLE;
    int deviceFlags = VfioAbi.VFIO_DEVICE_FLAGS_PCI | VfioAbi.VFIO_DEVICE_FLAGS_RESET;
    int numRegions = VfioAbi.VFIO_PCI_NUM_REGIONS;
    int numIrqs = VfioAbi.VFIO_PCI_NUM_IRQS;
    /** index -> {flags, size, offset}; an index without an entry answers EINVAL, as vfio-pci does for VGA. */
    final Map<Integer, long[]> regions = new TreeMap<>();
    /** index -> {flags, count}; missing answers EINVAL. */
    final Map<Integer, int[]> irqs = new TreeMap<>();
    /** What GET_PCI_HOT_RESET_INFO answers: {segment, bus, devfn, group} per device; null answers ENOTTY (an old kernel). */
    List<int[]> hotReset = null;
    /** errno to answer at a step instead of doing it. */
    final Map<VfioStep, Integer> failAt = new EnumMap<>(VfioStep.class);
    /** errno for close() of fds of this kind. */
    final Map<Kind, Integer> closeFails = new EnumMap<>(Kind.class);

    final List<String> log = new ArrayList<>();
    final Map<Integer, Kind> open = new HashMap<>();
    private int nextFd = 3;
    private boolean containerSet;
    private Integer iommuSet;

    FakeVfioKernel(String devRoot, int group, String deviceName) {
        this.containerPath = devRoot + "/vfio/vfio";
        this.groupPath = devRoot + "/vfio/" + group;
        this.deviceName = deviceName;
        // e1000e as vfio-pci describes it: BAR0/1 MMIO, BAR2 I/O, BAR3 MSI-X MMIO, ROM, config; no VGA.
        long rw = VfioAbi.VFIO_REGION_INFO_FLAG_READ | VfioAbi.VFIO_REGION_INFO_FLAG_WRITE;
        long rwm = rw | VfioAbi.VFIO_REGION_INFO_FLAG_MMAP;
        regions.put(0, new long[] {rwm, 0x20000, 0});
        regions.put(1, new long[] {rwm, 0x20000, 1L << 40});
        regions.put(2, new long[] {rw, 0x20, 2L << 40});
        regions.put(3, new long[] {rwm, 0x4000, 3L << 40});
        regions.put(4, new long[] {0, 0, 4L << 40});
        regions.put(5, new long[] {0, 0, 5L << 40});
        regions.put(6, new long[] {VfioAbi.VFIO_REGION_INFO_FLAG_READ, 0x40000, 6L << 40});
        regions.put(7, new long[] {rw, 0x1000, 7L << 40});
        int eventfd = VfioAbi.VFIO_IRQ_INFO_EVENTFD;
        irqs.put(0, new int[] {eventfd | VfioAbi.VFIO_IRQ_INFO_MASKABLE | VfioAbi.VFIO_IRQ_INFO_AUTOMASKED, 1});
        irqs.put(1, new int[] {eventfd | VfioAbi.VFIO_IRQ_INFO_NORESIZE, 1});
        irqs.put(2, new int[] {eventfd | VfioAbi.VFIO_IRQ_INFO_NORESIZE, 5});
        irqs.put(3, new int[] {eventfd, 1});
        irqs.put(4, new int[] {eventfd, 1});
    }

    @Override
    public int open(String path, int flags) {
        Kind kind = path.equals(containerPath) ? Kind.CONTAINER : path.equals(groupPath) ? Kind.GROUP : null;
        VfioStep step = kind == Kind.GROUP ? VfioStep.OPEN_GROUP : VfioStep.OPEN_CONTAINER;
        if (failAt.containsKey(step)) {
            log.add("open " + path + " -> " + errName(failAt.get(step)));
            return -failAt.get(step);
        }
        if (kind == null) {
            log.add("open " + path + " -> ENOENT");
            return -Errno.ENOENT.number();
        }
        if ((flags & VfioAbi.O_RDWR) == 0) {
            return -Errno.EACCES.number();
        }
        return newFd(kind, "open " + path);
    }

    @Override
    public int close(int fd) {
        Kind kind = open.remove(fd);
        if (kind == null) {
            log.add("close " + fd + " -> EBADF");
            return -Errno.EBADF.number();
        }
        log.add("close " + kind);
        if (kind == Kind.GROUP) {
            containerSet = false;
        }
        return closeFails.containsKey(kind) ? -closeFails.get(kind) : 0;
    }

    @Override
    public int ioctl(int fd, long request, long arg) {
        Kind kind = open.get(fd);
        if (kind != Kind.CONTAINER) {
            return -Errno.ENOTTY.number();
        }
        if (request == VfioAbi.VFIO_GET_API_VERSION) {
            return answer(VfioStep.GET_API_VERSION, () -> apiVersion);
        }
        if (request == VfioAbi.VFIO_CHECK_EXTENSION) {
            return answer(VfioStep.CHECK_EXTENSION, () -> extensions.contains((int) arg) ? 1 : 0);
        }
        if (request == VfioAbi.VFIO_SET_IOMMU) {
            return answer(VfioStep.SET_IOMMU, () -> {
                if (!containerSet || iommuSet != null) {
                    return -Errno.EINVAL.number();
                }
                if (!extensions.contains((int) arg)) {
                    return -Errno.ENODEV.number();
                }
                iommuSet = (int) arg;
                return 0;
            });
        }
        return -Errno.ENOTTY.number();
    }

    @Override
    public int ioctl(int fd, long request, byte[] b) {
        Kind kind = open.get(fd);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (kind == Kind.GROUP && request == VfioAbi.VFIO_GROUP_GET_STATUS) {
            return answer(VfioStep.GROUP_GET_STATUS, () -> {
                if (bb.getInt(0) < 8) {
                    return -Errno.EINVAL.number();
                }
                bb.putInt(4, groupFlags);
                return 0;
            });
        }
        if (kind == Kind.GROUP && request == VfioAbi.VFIO_GROUP_SET_CONTAINER) {
            return answer(VfioStep.GROUP_SET_CONTAINER, () -> {
                if (open.get(bb.getInt(0)) != Kind.CONTAINER) {
                    return -Errno.EBADFD.number();
                }
                containerSet = true;
                return 0;
            });
        }
        if (kind == Kind.GROUP && request == VfioAbi.VFIO_GROUP_GET_DEVICE_FD) {
            return answer(VfioStep.GROUP_GET_DEVICE_FD, () -> {
                if (!containerSet || iommuSet == null) {
                    return -Errno.EINVAL.number();
                }
                int nul = 0;
                while (nul < b.length && b[nul] != 0) {
                    nul++;
                }
                if (nul == b.length || !new String(b, 0, nul, StandardCharsets.US_ASCII).equals(deviceName)) {
                    return -Errno.ENODEV.number();
                }
                return newFd(Kind.DEVICE, "device " + deviceName);
            });
        }
        if (kind == Kind.DEVICE && request == VfioAbi.VFIO_DEVICE_GET_INFO) {
            return answer(VfioStep.DEVICE_GET_INFO, () -> {
                if (bb.getInt(0) < 16) {
                    return -Errno.EINVAL.number();
                }
                bb.putInt(4, deviceFlags).putInt(8, numRegions).putInt(12, numIrqs);
                return 0;
            });
        }
        if (kind == Kind.DEVICE && request == VfioAbi.VFIO_DEVICE_GET_REGION_INFO) {
            return answer(VfioStep.DEVICE_GET_REGION_INFO, () -> {
                long[] r = regions.get(bb.getInt(8));
                if (bb.getInt(0) < 32 || r == null) {
                    return -Errno.EINVAL.number();
                }
                bb.putInt(4, (int) r[0]).putInt(12, 0).putLong(16, r[1]).putLong(24, r[2]);
                return 0;
            });
        }
        if (kind == Kind.DEVICE && request == VfioAbi.VFIO_DEVICE_GET_IRQ_INFO) {
            return answer(VfioStep.DEVICE_GET_IRQ_INFO, () -> {
                int[] r = irqs.get(bb.getInt(8));
                if (bb.getInt(0) < 16 || r == null) {
                    return -Errno.EINVAL.number();
                }
                bb.putInt(4, r[0]).putInt(12, r[1]);
                return 0;
            });
        }
        if (kind == Kind.DEVICE && request == VfioAbi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO) {
            if (hotReset == null) {
                return -Errno.ENOTTY.number();
            }
            // drivers/vfio/pci/vfio_pci_core.c: argsz first, ENODEV without bus/slot reset, ENOSPC with the count.
            if (bb.getInt(0) < 12) {
                return -Errno.EINVAL.number();
            }
            if (hotReset.isEmpty()) {
                log.add("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO -> ENODEV");
                return -Errno.ENODEV.number();
            }
            bb.putInt(8, hotReset.size());
            if (bb.getInt(0) < 12 + 8 * hotReset.size()) {
                log.add("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO -> ENOSPC");
                return -Errno.ENOSPC.number();
            }
            for (int i = 0; i < hotReset.size(); i++) {
                int[] d = hotReset.get(i);
                bb.putInt(12 + 8 * i, d[3])
                        .putShort(16 + 8 * i, (short) d[0])
                        .put(18 + 8 * i, (byte) d[1])
                        .put(19 + 8 * i, (byte) d[2]);
            }
            log.add("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO");
            return 0;
        }
        return -Errno.ENOTTY.number();
    }

    /** The kinds of fds still open. */
    Set<Kind> openKinds() {
        return Set.copyOf(open.values());
    }

    List<String> closes() {
        return log.stream().filter(l -> l.startsWith("close")).toList();
    }

    private int answer(VfioStep step, java.util.function.IntSupplier action) {
        if (failAt.containsKey(step)) {
            log.add(step.label() + " -> " + errName(failAt.get(step)));
            return -failAt.get(step);
        }
        int r = action.getAsInt();
        log.add(step.label() + (r < 0 ? " -> " + errName(-r) : ""));
        return r;
    }

    private int newFd(Kind kind, String what) {
        int fd = nextFd++;
        open.put(fd, kind);
        log.add(what + " -> fd " + fd);
        return fd;
    }

    private static String errName(int errno) {
        return Errno.of(errno).map(Enum::name).orElse("errno " + errno);
    }
}
