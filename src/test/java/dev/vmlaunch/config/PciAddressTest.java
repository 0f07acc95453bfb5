package dev.vmlaunch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PciAddressTest {
    @Test
    void parsesBothFormsToTheKernelsForm() {
        assertEquals("0000:08:00.1", PciAddress.parse("08:00.1").toString());
        assertEquals("abcd:ff:1f.7", PciAddress.parse("ABCD:FF:1F.7").toString());
    }

    @Test
    void refusesAnythingThatIsNotAnAddress() {
        for (String s : new String[] {"08:00.8", "08:20.0", "8:00.1", "0000:08:00.1/..", "../08:00.1", "08:00.1\n"}) {
            assertTrue(PciAddress.tryParse(s).isEmpty(), s);
        }
        assertThrows(IllegalArgumentException.class, () -> PciAddress.parse("nope"));
    }

    @Test
    void ordersByDomainBusSlotFunction() {
        assertTrue(PciAddress.parse("00:1f.7").compareTo(PciAddress.parse("01:00.0")) < 0);
        assertTrue(PciAddress.parse("0001:00:00.0").compareTo(PciAddress.parse("0000:ff:1f.7")) > 0);
    }
}
