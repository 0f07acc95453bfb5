package dev.vmlaunch.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.PciAddress;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SyscallVfioProbeTest {
    private static final PciAddress E1000E = PciAddress.parse("0000:00:02.0");
    private final FakeVfioKernel kernel = new FakeVfioKernel("/fake/dev", 7, "0000:00:02.0");
    private final VfioProbe probe =
            new SyscallVfioProbe(Path.of("/fake/dev"), kernel, new VfioStructs(ByteOrder.LITTLE_ENDIAN));

    @Test
    void reportsWhatTheKernelSaysAboutTheDevice() {
        VfioReport r = probe.probe(7, E1000E);

        assertEquals(7, r.groupId());
        assertEquals(E1000E, r.device());
        assertEquals(0, r.apiVersion());
        assertEquals(Set.of(VfioIommuType.TYPE1v2, VfioIommuType.TYPE1), r.extensions());
        assertEquals(VfioIommuType.TYPE1v2, r.iommu());
        assertTrue(r.viable());
        assertTrue(r.deviceInfo().pci());
        assertTrue(r.deviceInfo().resettable());
        assertEquals(9, r.deviceInfo().numRegions());
        assertEquals(5, r.deviceInfo().numIrqs());
        assertEquals(1, r.msiCount());
        assertEquals(5, r.msixCount());
        VfioRegionInfo bar0 = r.regions().get(0);
        assertEquals(0x20000, bar0.size());
        assertTrue(bar0.mmappable());
        assertEquals(1L << 40, r.regions().get(1).offset());
    }

    @Test
    void runsTheIoctlsInTheOrderAVmmDoesAndClosesDeviceThenGroupThenContainer() {
        probe.probe(7, E1000E);

        List<String> log = kernel.log;
        List<String> head = log.subList(0, 8);
        assertEquals(
                List.of(
                        "open /fake/dev/vfio/vfio -> fd 3",
                        "VFIO_GET_API_VERSION",
                        "VFIO_CHECK_EXTENSION",
                        "VFIO_CHECK_EXTENSION",
                        "open /fake/dev/vfio/7 -> fd 4",
                        "VFIO_GROUP_GET_STATUS",
                        "VFIO_GROUP_SET_CONTAINER",
                        "VFIO_SET_IOMMU"),
                head);
        assertEquals(List.of("close DEVICE", "close GROUP", "close CONTAINER"), kernel.closes());
        assertEquals(log.subList(log.size() - 3, log.size()), kernel.closes(), "closing is the last thing done");
        assertEquals(Set.of(), kernel.openKinds());
    }

    @Test
    void regionsAndIrqIndexesTheDeviceLacksAreAbsentNotErrors() {
        kernel.irqs.remove(VfioAbi.VFIO_PCI_ERR_IRQ_INDEX); // conventional PCI: vfio-pci answers EINVAL

        VfioReport r = probe.probe(7, E1000E);

        assertEquals(
                List.of(0, 1, 2, 3, 4, 5, 6, 7),
                r.regions().stream().map(VfioRegionInfo::index).toList(),
                "VGA (index 8) answers EINVAL on a non-VGA device");
        assertEquals(
                List.of(0, 1, 2, 4), r.irqs().stream().map(VfioIrqInfo::index).toList());
    }

    @Test
    void fallsBackToType1WhenV2IsMissing() {
        kernel.extensions = Set.of(VfioAbi.VFIO_TYPE1_IOMMU);

        assertEquals(VfioIommuType.TYPE1, probe.probe(7, E1000E).iommu());
    }

    @Test
    void aContainerWithoutType1IsRefusedBeforeTheGroupIsOpened() {
        kernel.extensions = Set.of();

        VfioException e = assertThrows(VfioException.class, () -> probe.probe(7, E1000E));

        assertEquals(VfioStep.CHECK_EXTENSION, e.step());
        assertTrue(e.getMessage().contains("modprobe vfio_iommu_type1"), e.getMessage());
        assertTrue(kernel.log.stream().noneMatch(l -> l.startsWith("open /fake/dev/vfio/7")));
        assertEquals(List.of("close CONTAINER"), kernel.closes());
    }

    @Test
    void anApiVersionOtherThanZeroIsRefused() {
        kernel.apiVersion = 1;

        VfioException e = assertThrows(VfioException.class, () -> probe.probe(7, E1000E));

        assertEquals(VfioStep.GET_API_VERSION, e.step());
        assertEquals(0, e.errno());
        assertTrue(e.getMessage().contains("API version is 1"), e.getMessage());
        assertEquals(Set.of(), kernel.openKinds());
    }

    @Test
    void aGroupThatIsNotViableIsRefusedWithQemusWordsAndNothingIsAttached() {
        kernel.groupFlags = 0;

        VfioException e = assertThrows(VfioException.class, () -> probe.probe(7, E1000E));

        assertEquals(VfioStep.GROUP_GET_STATUS, e.step());
        assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
        assertTrue(
                e.getMessage()
                        .startsWith("group 7 is not viable. Please ensure all devices within the"
                                + " iommu_group are bound to their vfio bus driver"),
                e.getMessage());
        assertTrue(kernel.log.stream().noneMatch(l -> l.startsWith("VFIO_GROUP_SET_CONTAINER")));
        assertEquals(List.of("close GROUP", "close CONTAINER"), kernel.closes());
    }

    @Test
    void aDeviceNotInTheGroupIsNamedInTheError() {
        VfioException e = assertThrows(VfioException.class, () -> probe.probe(7, PciAddress.parse("00:03.0")));

        assertEquals(VfioStep.GROUP_GET_DEVICE_FD, e.step());
        assertEquals(Errno.ENODEV.number(), e.errno());
        assertTrue(e.getMessage().startsWith("0000:00:03.0 is not a VFIO device of group 7"), e.getMessage());
        assertEquals(List.of("close GROUP", "close CONTAINER"), kernel.closes());
    }

    /** Whatever step fails, every fd opened so far is closed, newest first, and the step is reported. */
    @ParameterizedTest
    @EnumSource(
            value = VfioStep.class,
            names = {"CLOSE", "LOAD_NATIVE"},
            mode = EnumSource.Mode.EXCLUDE)
    void aFailureAtAnyStepClosesEverythingOpenedSoFar(VfioStep step) {
        kernel.failAt.put(step, Errno.EIO.number());

        VfioException e = assertThrows(VfioException.class, () -> probe.probe(7, E1000E));

        assertEquals(step, e.step());
        assertEquals(Errno.EIO.number(), e.errno());
        assertEquals(Set.of(), kernel.openKinds());
        List<String> expected =
                switch (step) {
                    case OPEN_CONTAINER -> List.of();
                    case GET_API_VERSION, CHECK_EXTENSION, OPEN_GROUP -> List.of("close CONTAINER");
                    case GROUP_GET_STATUS, GROUP_SET_CONTAINER, SET_IOMMU, GROUP_GET_DEVICE_FD -> List.of(
                            "close GROUP", "close CONTAINER");
                    default -> List.of("close DEVICE", "close GROUP", "close CONTAINER");
                };
        assertEquals(expected, kernel.closes());
    }

    @Test
    void aGroupHeldByAnotherProcessSaysSo() {
        kernel.failAt.put(VfioStep.OPEN_GROUP, Errno.EBUSY.number());

        VfioException e = assertThrows(VfioException.class, () -> probe.probe(7, E1000E));

        assertTrue(e.getMessage().startsWith("group 7 is open in another process"), e.getMessage());
    }

    @Test
    void aFailedCloseAfterASuccessfulProbeIsReported() {
        kernel.closeFails.put(FakeVfioKernel.Kind.GROUP, Errno.EIO.number());

        VfioException e = assertThrows(VfioException.class, () -> probe.probe(7, E1000E));

        assertEquals(VfioStep.CLOSE, e.step());
        assertEquals(
                List.of("close DEVICE", "close GROUP", "close CONTAINER"),
                kernel.closes(),
                "the container is closed even though the group's close failed");
    }

    @Test
    void aFailedCloseDoesNotHideTheErrorThatCausedIt() {
        kernel.failAt.put(VfioStep.SET_IOMMU, Errno.EPERM.number());
        kernel.closeFails.put(FakeVfioKernel.Kind.CONTAINER, Errno.EIO.number());

        VfioException e = assertThrows(VfioException.class, () -> probe.probe(7, E1000E));

        assertEquals(VfioStep.SET_IOMMU, e.step());
        assertEquals(1, e.getSuppressed().length);
        assertEquals(VfioStep.CLOSE, ((VfioException) e.getSuppressed()[0]).step());
    }

    @Test
    void aNegativeGroupIsRejectedBeforeAnyPathIsBuilt() {
        assertThrows(IllegalArgumentException.class, () -> probe.probe(-1, E1000E));
        assertEquals(List.of(), kernel.log);
    }

    @Test
    void asksWhichDevicesABusResetWouldHitWithRoomForAsManyAsTheKernelNeeds() {
        // A GPU's four functions behind one bridge, plus a NIC on the same bus: more than the first buffer holds.
        kernel.hotReset = new java.util.ArrayList<>();
        for (int fn = 0; fn < 4; fn++) {
            kernel.hotReset.add(new int[] {0, 0x41, fn, 7});
        }
        for (int slot = 1; slot <= 6; slot++) {
            kernel.hotReset.add(new int[] {1, 0x41, slot << 3, 8 + slot});
        }
        VfioReport r = probe.probe(7, E1000E);
        List<PciAddress> peers = r.hotResetPeers().orElseThrow();
        assertEquals(10, peers.size());
        assertEquals(PciAddress.parse("0000:41:00.3"), peers.get(3));
        assertEquals(PciAddress.parse("0001:41:06.0"), peers.get(9));
        assertTrue(kernel.log.contains("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO -> ENOSPC"), kernel.log.toString());
        assertEquals(Set.of(), kernel.openKinds(), "the device fd is closed after the extra ioctl too");
    }

    @Test
    void noBusOrSlotResetIsAnEmptyListAndAnOldKernelIsNoAnswer() {
        kernel.hotReset = List.of();
        assertEquals(java.util.Optional.of(List.of()), probe.probe(7, E1000E).hotResetPeers());
        FakeVfioKernel old = new FakeVfioKernel("/fake/dev", 7, "0000:00:02.0");
        VfioReport r = new SyscallVfioProbe(Path.of("/fake/dev"), old, new VfioStructs(ByteOrder.LITTLE_ENDIAN))
                .probe(7, E1000E);
        assertEquals(java.util.Optional.empty(), r.hotResetPeers());
    }
}
