package dev.vmlaunch.vfio;

import dev.vmlaunch.config.PciAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds the argument buffers of the VFIO ioctls and reads the kernel's answers, at the offsets of
 * {@link VfioAbi} and in the byte order the kernel uses (native; tests pass one explicitly).
 */
final class VfioStructs {
    static final VfioStructs NATIVE = new VfioStructs(ByteOrder.nativeOrder());

    private final ByteOrder order;

    VfioStructs(ByteOrder order) {
        this.order = order;
    }

    /** struct vfio_group_status with argsz set: the kernel checks argsz before it writes flags. */
    byte[] groupStatusRequest() {
        byte[] b = new byte[VfioAbi.GroupStatus.SIZE];
        wrap(b).putInt(VfioAbi.GroupStatus.ARGSZ, VfioAbi.GroupStatus.SIZE);
        return b;
    }

    int groupStatusFlags(byte[] b) {
        return wrap(b).getInt(VfioAbi.GroupStatus.FLAGS);
    }

    byte[] deviceInfoRequest() {
        byte[] b = new byte[VfioAbi.DeviceInfo.SIZE];
        wrap(b).putInt(VfioAbi.DeviceInfo.ARGSZ, VfioAbi.DeviceInfo.SIZE);
        return b;
    }

    VfioDeviceInfo deviceInfo(byte[] b) {
        ByteBuffer bb = wrap(b);
        return new VfioDeviceInfo(
                bb.getInt(VfioAbi.DeviceInfo.FLAGS),
                bb.getInt(VfioAbi.DeviceInfo.NUM_REGIONS),
                bb.getInt(VfioAbi.DeviceInfo.NUM_IRQS));
    }

    byte[] regionInfoRequest(int index) {
        byte[] b = new byte[VfioAbi.RegionInfo.SIZE];
        wrap(b).putInt(VfioAbi.RegionInfo.ARGSZ, VfioAbi.RegionInfo.SIZE).putInt(VfioAbi.RegionInfo.INDEX, index);
        return b;
    }

    VfioRegionInfo regionInfo(byte[] b) {
        ByteBuffer bb = wrap(b);
        return new VfioRegionInfo(
                bb.getInt(VfioAbi.RegionInfo.INDEX),
                bb.getInt(VfioAbi.RegionInfo.FLAGS),
                bb.getLong(VfioAbi.RegionInfo.REGION_SIZE),
                bb.getLong(VfioAbi.RegionInfo.REGION_OFFSET));
    }

    byte[] irqInfoRequest(int index) {
        byte[] b = new byte[VfioAbi.IrqInfo.SIZE];
        wrap(b).putInt(VfioAbi.IrqInfo.ARGSZ, VfioAbi.IrqInfo.SIZE).putInt(VfioAbi.IrqInfo.INDEX, index);
        return b;
    }

    VfioIrqInfo irqInfo(byte[] b) {
        ByteBuffer bb = wrap(b);
        return new VfioIrqInfo(
                bb.getInt(VfioAbi.IrqInfo.INDEX), bb.getInt(VfioAbi.IrqInfo.FLAGS), bb.getInt(VfioAbi.IrqInfo.COUNT));
    }

    /** struct vfio_pci_hot_reset_info with room for {@code capacity} devices. */
    byte[] hotResetInfoRequest(int capacity) {
        int size = VfioAbi.HotResetInfo.SIZE + capacity * VfioAbi.DependentDevice.SIZE;
        byte[] b = new byte[size];
        wrap(b).putInt(VfioAbi.HotResetInfo.ARGSZ, size);
        return b;
    }

    /** The count the kernel wrote (also when it answered ENOSPC: then it is how many it needs room for). */
    int hotResetCount(byte[] b) {
        return wrap(b).getInt(VfioAbi.HotResetInfo.COUNT);
    }

    /** The devices a hot reset would reset, as PCI addresses. */
    java.util.List<PciAddress> hotResetDevices(byte[] b) {
        ByteBuffer bb = wrap(b);
        int count = bb.getInt(VfioAbi.HotResetInfo.COUNT);
        java.util.List<PciAddress> out = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = VfioAbi.HotResetInfo.DEVICES + i * VfioAbi.DependentDevice.SIZE;
            if (at + VfioAbi.DependentDevice.SIZE > b.length) {
                break;
            }
            int segment = bb.getShort(at + VfioAbi.DependentDevice.SEGMENT) & 0xffff;
            int bus = bb.get(at + VfioAbi.DependentDevice.BUS) & 0xff;
            int devfn = bb.get(at + VfioAbi.DependentDevice.DEVFN) & 0xff;
            out.add(new PciAddress(segment, bus, devfn >> 3, devfn & 7));
        }
        return out;
    }

    /** The __s32 GROUP_SET_CONTAINER reads through its pointer argument. */
    byte[] containerFd(int fd) {
        byte[] b = new byte[VfioAbi.CONTAINER_FD_SIZE];
        wrap(b).putInt(0, fd);
        return b;
    }

    /** The NUL-terminated name GROUP_GET_DEVICE_FD matches against dev_name(): the full sysfs form of the BDF. */
    static byte[] deviceName(PciAddress device) {
        byte[] name = device.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[name.length + 1];
        System.arraycopy(name, 0, b, 0, name.length);
        return b;
    }

    private ByteBuffer wrap(byte[] b) {
        return ByteBuffer.wrap(b).order(order);
    }
}
