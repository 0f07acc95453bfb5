package dev.vmlaunch.driver.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.host.VmmHostProfile;
import org.junit.jupiter.api.Test;

class QemuHostProfileTest {
    private final VmmHostProfile profile = new QemuDriver().hostProfile();

    @Test
    void qemuRunsTheSystemEmulatorOfTheGuestsArchitectureUnlessTheGuestNamesABinary() {
        assertEquals("qemu-system-x86_64", profile.binary(QemuDriverTest.spec("{\"name\": \"g\", \"vmm\": \"qemu\"}")));
        assertEquals(
                "qemu-system-aarch64",
                profile.binary(QemuDriverTest.spec("{\"name\": \"g\", \"vmm\": \"qemu\", \"arch\": \"aarch64\"}")));
        assertEquals(
                "/usr/local/bin/qemu",
                profile.binary(QemuDriverTest.spec(
                        "{\"name\": \"g\", \"vmm\": \"qemu\", \"binary\": \"/usr/local/bin/qemu\"}")));
    }

    @Test
    void qemuNeedsKvmOnlyWithAccelKvm() {
        assertTrue(profile.usesKvm(QemuDriverTest.spec("{\"name\": \"g\", \"vmm\": \"qemu\"}")), "kvm is the default");
        assertFalse(profile.usesKvm(QemuDriverTest.spec("{\"name\": \"g\", \"vmm\": \"qemu\", \"accel\": \"tcg\"}")));
        assertEquals("set \"accel\": \"tcg\" (emulation, slow)", profile.foreignArchRemedy());
        assertEquals("", profile.withoutVfio(), "qemu refuses to start without its devices");
    }

    @Test
    void qemuHonoursShareSecurityAndMaps64BitBarsAbove4GiB() {
        assertTrue(profile.honoursShareSecurity());
        assertTrue(profile.barWindow(Arch.X86_64).isEmpty());
        assertTrue(profile.barWindow(Arch.AARCH64).isEmpty());
    }
}
