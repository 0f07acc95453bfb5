package dev.vmlaunch.driver.lkvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.host.VmmHostProfile;
import org.junit.jupiter.api.Test;

class LkvmHostProfileTest {
    private final VmmHostProfile profile = new LkvmDriver().hostProfile();

    @Test
    void kvmtoolRunsLkvmFromPathUnlessTheGuestNamesABinary() {
        assertEquals("lkvm", profile.binary(LkvmDriverTest.spec("{\"name\": \"g\", \"vmm\": \"lkvm\"}")));
        assertEquals(
                "/opt/kvmtool/lkvm",
                profile.binary(LkvmDriverTest.spec(
                        "{\"name\": \"g\", \"vmm\": \"lkvm\", \"binary\": \"/opt/kvmtool/lkvm\"}")));
    }

    @Test
    void kvmtoolAlwaysNeedsKvmAndBootsWithoutADeviceItCannotOpen() {
        assertTrue(profile.usesKvm(LkvmDriverTest.spec("{\"name\": \"g\", \"vmm\": \"lkvm\"}")));
        assertEquals(" (lkvm would boot the guest without its devices)", profile.withoutVfio());
        assertEquals("use vmm qemu with accel tcg", profile.foreignArchRemedy());
        assertFalse(profile.honoursShareSecurity(), "--9p has no security model");
    }

    /** kvm-arch.h of arm64 and x86: KVM_PCI_MMIO_AREA up to guest RAM (arm64) or the IOAPIC (x86). */
    @Test
    void everyBarGoesIntoKvmtoolsWindowBelow4GiB() {
        assertEquals(
                new VmmHostProfile.BarWindow(0x50000000L, 0x80000000L),
                profile.barWindow(Arch.AARCH64).orElseThrow());
        assertEquals(768L << 20, profile.barWindow(Arch.AARCH64).orElseThrow().size());
        assertEquals(
                new VmmHostProfile.BarWindow(0xd2000000L, 0xfec00000L),
                profile.barWindow(Arch.X86_64).orElseThrow());
        assertEquals(716L << 20, profile.barWindow(Arch.X86_64).orElseThrow().size());
    }
}
