package dev.vmlaunch.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Large 64-bit BARs get their window reserved on the root port (pref64-reserve); small ones leave the argv as it was. */
class RootPortReserveArgvTest {
    private static final RunLayout LAYOUT = new RunLayout(Path.of("/run/vmlaunch/g"), RunLayout.ConsoleMode.STDIO);
    private static final String TWO = "{\"name\": \"g\", \"vmm\": \"qemu\", \"passthrough\": [{\"host\": \"03:00.0\"}, "
            + "{\"host\": \"03:00.1\"}, {\"host\": \"04:00.0\"}]}";

    private static List<String> rootPorts(List<String> argv) {
        return argv.stream().filter(s -> s.startsWith("pcie-root-port")).toList();
    }

    @Test
    void onlyTheSlotWithTheLargeBarsGetsAReservationInQemusSizeSyntax() {
        RootPortReserve r = new RootPortReserve(Map.of(PciAddress.parse("0000:03:00.0"), 32L << 30));
        List<String> argv = DriverArgv.build(Guests.parse(TWO), LAYOUT, r);
        assertEquals(
                List.of(
                        "pcie-root-port,id=vml-rp0,chassis=1,pref64-reserve=32G",
                        "pcie-root-port,id=vml-rp1,chassis=2"),
                rootPorts(argv));
    }

    @Test
    void withoutHostFactsTheArgvIsUnchanged() {
        assertEquals(
                DriverArgv.build(Guests.parse(TWO), LAYOUT),
                DriverArgv.build(Guests.parse(TWO), LAYOUT, RootPortReserve.NONE));
        assertTrue(
                rootPorts(DriverArgv.build(Guests.parse(TWO), LAYOUT)).stream().noneMatch(s -> s.contains("reserve")));
    }

    @Test
    void sizesThatAreNotWholeGibibytesAreMebibytesRoundedUp() {
        assertEquals("1536M", QemuCommand.qemuSize(1536L << 20));
        assertEquals("2M", QemuCommand.qemuSize((1L << 20) + 1));
        assertEquals("64G", QemuCommand.qemuSize(64L << 30));
    }
}
