package dev.vmlaunch.drivers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.Vmm;
import dev.vmlaunch.driver.VmmDriver;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class VmmDriversTest {

    @Test
    void everyVmmHasExactlyOneDriverThatSaysItRunsThatVmm() {
        for (Vmm vmm : Vmm.values()) {
            assertEquals(vmm, VmmDrivers.of(vmm).vmm(), "the registry's driver for " + vmm.json());
        }
        Set<Vmm> registered = VmmDrivers.all().stream().map(VmmDriver::vmm).collect(Collectors.toSet());
        assertEquals(EnumSet.allOf(Vmm.class), registered, "one driver per config.Vmm");
        assertEquals(Vmm.values().length, VmmDrivers.all().size(), "no VMM has two drivers");
    }

    @Test
    void aRecordedVmmNameFindsItsDriverAndAnUnknownNameNone() {
        Arrays.stream(Vmm.values())
                .forEach(vmm -> assertEquals(
                        vmm, VmmDrivers.named(vmm.json()).orElseThrow().vmm(), vmm.json()));
        assertTrue(VmmDrivers.named("cloud-hypervisor").isEmpty());
        assertTrue(VmmDrivers.named(null).isEmpty());
    }
}
