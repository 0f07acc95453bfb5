package dev.vmlaunch.harness;

import static dev.vmlaunch.harness.ProcInterruptsTest.parse;
import static dev.vmlaunch.harness.ProcInterruptsTest.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InterruptDiffTest {

    static RowDelta delta(InterruptDiff d, String irq) {
        return d.rows().stream()
                .filter(r -> r.after().irq().equals(irq))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row " + irq + " in diff"));
    }

    static List<String> irqs(List<RowDelta> rows) {
        return rows.stream().map(r -> r.after().irq()).toList();
    }

    @Test
    void hostSnapshotsBeforeAndAfterDiskActivity() {
        InterruptDiff d = InterruptDiff.between(
                parse(resource("x86_64-host-before.txt")), parse(resource("x86_64-host-after.txt")));
        RowDelta disk = delta(d, "36");
        assertEquals(List.of(0L, 71975L - 50060L), disk.perCpuDelta());
        assertEquals(71975L - 50060L, disk.delta());
        assertFalse(disk.isNew());
        assertFalse(disk.isReset());
        assertEquals(List.of("31", "36", "41", "42", "LOC", "RES", "CAL", "TLB"), irqs(d.changed()));
        assertFalse(d.changed().contains(delta(d, "24")));
        assertTrue(d.vanished().isEmpty());
        assertTrue(d.cpusAdded().isEmpty() && d.cpusRemoved().isEmpty());
        long expected = d.changed().stream().mapToLong(RowDelta::delta).sum();
        assertEquals(expected, d.totalDelta());
        assertFalse(d.anyReset());
    }

    @Test
    void q35GuestE1000eVectorsFoundByTheirMsiIrqsNumbers() {
        // The numbers are what /sys/class/net/eth0/device/msi_irqs/ listed in that guest: 25 26 27.
        InterruptTable booted = parse(resource("x86_64-q35-guest-booted.txt"));
        InterruptTable traffic = parse(resource("x86_64-q35-guest-traffic.txt"));
        assertTrue(booted.rowsForIrqs(Set.of(25, 26, 27)).isEmpty(), "e1000e requests its vectors at ifup");
        InterruptDiff e1000e = InterruptDiff.between(booted, traffic).forIrqs(Set.of(25, 26, 27));
        assertEquals(List.of("25", "26", "27"), irqs(e1000e.rows()));
        assertTrue(e1000e.rows().stream().allMatch(RowDelta::isNew));
        assertEquals(11 + 14 + 1, e1000e.totalDelta());
        assertEquals("IR-PCI-MSI", e1000e.rows().get(0).after().chip());
        assertEquals("32768", e1000e.rows().get(0).after().hwirq());
        assertEquals(
                irqs(e1000e.rows()),
                irqs(InterruptDiff.between(booted, traffic).forDevice("eth0").rows()));
    }

    @Test
    void arm64GuestE1000eFoundByMsiIrqsNumbersButNotByBdfOnKernel61() {
        // msi_irqs/ of 0000:00:01.0 in that guest listed 18 19 20; kernel 6.1 names no BDF in the chip column.
        InterruptDiff d = InterruptDiff.between(
                parse(resource("aarch64-virt-guest-up.txt")), parse(resource("aarch64-virt-guest-traffic.txt")));
        InterruptDiff e1000e = d.forIrqs(Set.of(18, 19, 20));
        assertEquals(List.of("18", "19"), irqs(e1000e.changed()));
        assertEquals(9 + 11, e1000e.totalDelta());
        assertEquals(List.of(), irqs(d.forDevice("0000:00:01.0").rows()));
        assertEquals(List.of("18", "19", "20"), irqs(d.forDevice("eth0").rows()));
        assertEquals(List.of("11", "13", "18", "19", "IPI0", "IPI1"), irqs(d.changed()));
    }

    @Test
    void deltasOfConsecutiveHostSnapshotsAddUp() {
        InterruptTable a = parse(resource("x86_64-host-before.txt"));
        InterruptTable b = parse(resource("x86_64-host-after.txt"));
        InterruptTable c = parse(resource("x86_64-host-later.txt"));
        InterruptDiff ab = InterruptDiff.between(a, b);
        InterruptDiff bc = InterruptDiff.between(b, c);
        InterruptDiff ac = InterruptDiff.between(a, c);
        for (RowDelta whole : ac.rows()) {
            String irq = whole.after().irq();
            assertEquals(delta(ab, irq).delta() + delta(bc, irq).delta(), whole.delta(), irq);
        }
        assertTrue(ac.totalDelta() > 0);
    }

    @Test
    void aRowOnlyInAfterCountsFromZeroAndARowOnlyInBeforeIsReportedVanished() {
        InterruptTable before = parse(
                """
                           CPU0       CPU1
                 20:          1          0   ITS-MSI   0 Edge      0000:00:00.0
                 21:          4          0   ITS-MSI   1 Edge      0000:00:00.0
                """);
        InterruptTable after = parse(
                """
                           CPU0       CPU1
                 20:          1          0   ITS-MSI   0 Edge      0000:00:00.0
                 22:          2          3   ITS-MSI   2 Edge      0000:00:00.0
                """);
        InterruptDiff d = InterruptDiff.between(before, after);
        RowDelta fresh = delta(d, "22");
        assertTrue(fresh.isNew());
        assertNull(fresh.before());
        assertEquals(5, fresh.delta());
        assertEquals(List.of("21"), d.vanished().stream().map(InterruptRow::irq).toList());
        assertEquals(List.of("22"), irqs(d.changed()));
        assertEquals(
                List.of("21"),
                d.changedOnly().vanished().stream().map(InterruptRow::irq).toList());
    }

    @Test
    void aCounterThatWentBackwardsGivesANegativeDeltaFlaggedAsReset() {
        InterruptTable before = parse("   CPU0 CPU1\n 30: 100 7  IR-PCI-MSI 1048576-edge eth0-rx-0\nERR: 3\n");
        InterruptTable after = parse("   CPU0 CPU1\n 30:  10 9  IR-PCI-MSI 1048576-edge eth0-rx-0\nERR: 1\n");
        InterruptDiff d = InterruptDiff.between(before, after);
        RowDelta r = delta(d, "30");
        assertEquals(List.of(-90L, 2L), r.perCpuDelta());
        assertEquals(-88, r.delta());
        assertTrue(r.isReset());
        assertTrue(r.changed());
        assertEquals(-2, delta(d, "ERR").delta());
        assertTrue(d.anyReset());
    }

    @Test
    void movesBetweenCpusThatCancelOutStillCountAsChanged() {
        InterruptTable before = parse("   CPU0 CPU1\n 30: 5 5  IR-PCI-MSI 1048576-edge eth0-rx-0\n");
        InterruptTable after = parse("   CPU0 CPU1\n 30: 3 7  IR-PCI-MSI 1048576-edge eth0-rx-0\n");
        RowDelta r = delta(InterruptDiff.between(before, after), "30");
        assertEquals(0, r.delta());
        assertTrue(r.changed());
        assertTrue(r.isReset());
    }

    @Test
    void anIrqNumberReusedByAnotherSourceIsVanishedPlusNew() {
        InterruptTable before = parse("   CPU0\n 30: 500  IR-PCI-MSI 1048576-edge eth0-rx-0\n");
        InterruptTable after = parse("   CPU0\n 30: 2  IR-PCI-MSI 524288-edge nvme0q0\n");
        InterruptDiff d = InterruptDiff.between(before, after);
        assertTrue(delta(d, "30").isNew());
        assertEquals(2, delta(d, "30").delta());
        assertEquals("eth0-rx-0", d.vanished().get(0).name());
    }

    @Test
    void aRenamedHandlerOnTheSameSourceIsTheSameRow() {
        InterruptTable before = parse("   CPU0\n 30: 5  IR-PCI-MSI 1048576-edge\n");
        InterruptTable after = parse("   CPU0\n 30: 8  IR-PCI-MSI 1048576-edge vfio-msix[0](0000:00:02.0)\n");
        RowDelta r = delta(InterruptDiff.between(before, after), "30");
        assertFalse(r.isNew());
        assertEquals(3, r.delta());
    }

    @Test
    void cpuHotplugMatchesCountsByCpuNumber() {
        InterruptTable before = parse(
                """
                           CPU0       CPU1       CPU2
                 20:         10         20         30   ITS-MSI   0 Edge      0000:00:00.0
                LOC:        100        200        300   Local timer interrupts
                Err:          0
                """);
        InterruptTable after = parse(
                """
                           CPU0       CPU2       CPU3
                 20:         11         30          4   ITS-MSI   0 Edge      0000:00:00.0
                LOC:        150        300         50   Local timer interrupts
                Err:          0
                """);
        InterruptDiff d = InterruptDiff.between(before, after);
        assertEquals(List.of(0, 2, 3), d.cpus());
        assertEquals(List.of(3), d.cpusAdded());
        assertEquals(List.of(1), d.cpusRemoved());
        // CPU1 went offline: its 20 is left out, not read as a drop. CPU3 came online: counted from zero.
        assertEquals(List.of(1L, 0L, 4L), delta(d, "20").perCpuDelta());
        assertFalse(delta(d, "20").isReset());
        assertEquals(List.of(50L, 0L, 50L), delta(d, "LOC").perCpuDelta());
        assertEquals(0, delta(d, "Err").delta());
    }

    @Test
    void selectsByIrqNumbersFromMsiIrqsAndByDeviceName() {
        InterruptTable before = parse(
                """
                           CPU0       CPU1
                 24:          0          0  IR-PCI-MSIX-0000:00:02.0   0-edge      eth0-rx-0
                 25:          0          0  IR-PCI-MSIX-0000:00:02.0   1-edge      eth0-tx-0
                 26:          0          0  IR-PCI-MSIX-0000:00:02.0   2-edge      eth0
                 27:          0          0  IR-PCI-MSI 1048576-edge      veth0
                 28:          0          0  IR-PCI-MSI 1050000-edge      ahci[0000:00:1f.2]
                LOC:          0          0   Local timer interrupts
                """);
        InterruptTable after = parse(
                """
                           CPU0       CPU1
                 24:          3          0  IR-PCI-MSIX-0000:00:02.0   0-edge      eth0-rx-0
                 25:          0          4  IR-PCI-MSIX-0000:00:02.0   1-edge      eth0-tx-0
                 26:          1          0  IR-PCI-MSIX-0000:00:02.0   2-edge      eth0
                 27:          9          0  IR-PCI-MSI 1048576-edge      veth0
                 28:          2          0  IR-PCI-MSI 1050000-edge      ahci[0000:00:1f.2]
                LOC:         99         99   Local timer interrupts
                """);
        InterruptDiff d = InterruptDiff.between(before, after);
        assertEquals(List.of("24", "26"), irqs(d.forIrqs(Set.of(24, 26, 99)).rows()));
        assertEquals(4, d.forIrqs(Set.of(24, 26)).totalDelta());
        assertEquals(List.of("24", "25", "26"), irqs(d.forDevice("eth0").rows()));
        assertEquals(List.of("24", "25", "26"), irqs(d.forDevice("0000:00:02.0").rows()));
        assertEquals(List.of("24", "25", "26"), irqs(d.forDevice("00:02.0").rows()));
        assertEquals(List.of("28"), irqs(d.forDevice("0000:00:1f.2").rows()));
        assertEquals(List.of("27"), irqs(d.forDevice("veth0").rows()));
        assertEquals(List.of(), irqs(d.forDevice("eth").rows()));
        assertEquals(List.of(), irqs(d.forDevice("timer").rows()), "descriptions of named rows name no device");
        assertEquals(
                List.of("24", "25", "26"),
                after.rowsForDevice("eth0").stream().map(InterruptRow::irq).toList());
    }

    @Test
    void deviceNamesMatchAsWholeWords() {
        assertTrue(DeviceName.mentions("eth0-rx-0", "eth0"));
        assertTrue(DeviceName.mentions("eth0", "eth0"));
        assertTrue(DeviceName.mentions("i8042, eth0", "eth0"));
        assertFalse(DeviceName.mentions("veth0", "eth0"));
        assertFalse(DeviceName.mentions("eth01", "eth0"));
        assertFalse(DeviceName.mentions("eth0.100", "eth0"));
        assertTrue(DeviceName.mentions("0000:00:00.0", "0000:00:00.0"));
        assertTrue(DeviceName.mentions("0000:08:00.1", "08:00.1"));
        assertTrue(DeviceName.mentions("vfio-msix[0](0000:08:00.1)", "0000:08:00.1"));
        assertFalse(DeviceName.mentions("0000:08:00.10", "0000:08:00.1"));
        assertFalse(DeviceName.mentions("10000:08:00.1", "0000:08:00.1"));
        assertFalse(DeviceName.mentions(null, "eth0"));
        assertFalse(DeviceName.mentions("eth0", ""));
        assertTrue(DeviceName.mentions("0000:0a:00.0", "0000:0A:00.0"), "hex case of a BDF is normalised");
    }
}
