package dev.vmlaunch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

    @Test
    void printsEveryFieldZeroPaddedInLowerCaseHex() {
        assertEquals("0000:00:00.0", new PciAddress(0, 0, 0, 0).toString());
        assertEquals("ffff:ff:1f.7", new PciAddress(0xffff, 0xff, 0x1f, 7).toString());
        assertEquals("0a0b:0c:0d.5", new PciAddress(0xa0b, 0xc, 0xd, 5).toString());
    }

    @Test
    void isEqualWhenEveryFieldIs() {
        assertEquals(PciAddress.parse("08:00.1"), PciAddress.parse("0000:08:00.1"));
        assertEquals(
                PciAddress.parse("08:00.1").hashCode(),
                PciAddress.parse("0000:08:00.1").hashCode());
        assertNotEquals(PciAddress.parse("08:00.1"), PciAddress.parse("08:00.2"));
        assertNotEquals(PciAddress.parse("08:00.1"), PciAddress.parse("0001:08:00.1"));
        assertNotEquals(PciAddress.parse("08:00.1"), PciAddress.parse("09:00.1"));
        assertNotEquals(PciAddress.parse("08:00.1"), PciAddress.parse("08:01.1"));
        assertNotEquals(PciAddress.parse("08:00.1"), "0000:08:00.1");
    }
}
