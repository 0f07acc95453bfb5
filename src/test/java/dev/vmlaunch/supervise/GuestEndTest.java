package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.host.DeviceCustody;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What finishing a guest gives back: the devices its state names, and those only its bind records name. */
class GuestEndTest {
    @TempDir
    Path tmp;

    final List<String> restored = new ArrayList<>();
    final List<String> log = new ArrayList<>();

    DeviceCustody custody(RuntimeException heldFails, String... held) {
        return new DeviceCustody() {
            @Override
            public List<PciAddress> bindForGuest(GuestSpec spec) {
                return List.of();
            }

            @Override
            public void restore(String guest, List<PciAddress> devices) {
                devices.forEach(d -> restored.add(d.toString()));
            }

            @Override
            public List<PciAddress> heldFor(String guest) {
                if (heldFails != null) {
                    throw heldFails;
                }
                return List.of(held).stream().map(PciAddress::parse).toList();
            }
        };
    }

    GuestState crashed(List<String> managed) {
        String now = Instant.now().toString();
        return new GuestState(
                GuestState.VERSION,
                "g",
                "qemu",
                "qemu-system-x86_64",
                "",
                null,
                null,
                1,
                1,
                false,
                Lifecycle.STARTING.json(),
                now,
                now,
                managed,
                managed,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    GuestDir dir() throws Exception {
        GuestDir d = GuestDir.of(tmp, "g");
        Files.createDirectories(d.root());
        return d;
    }

    ExitRecord lost() {
        return new ExitRecord(ExitRecord.LOST, null, null, "gone", null);
    }

    @Test
    void devicesOnlyTheBindRecordsNameAreGivenBackAndRecordedAsTheGuests() throws Exception {
        GuestState done = GuestEnd.finish(
                dir(), crashed(List.of()), lost(), custody(null, "0000:03:00.0", "0000:04:00.0"), log::add);
        assertEquals(List.of("0000:03:00.0", "0000:04:00.0"), restored);
        assertEquals(List.of("0000:03:00.0", "0000:04:00.0"), done.managedDevices());
        assertEquals(true, done.devicesRestored());
    }

    @Test
    void anUnreadableBindRecordDoesNotKeepTheStatesDevicesFromGoingBack() throws Exception {
        GuestState done = GuestEnd.finish(
                dir(),
                crashed(List.of("0000:03:00.0")),
                lost(),
                custody(VmlaunchException.failure("bind record x does not describe y"), new String[0]),
                log::add);
        assertEquals(List.of("0000:03:00.0"), restored);
        assertEquals(true, done.devicesRestored());
        assertTrue(
                log.get(0).startsWith("cannot read the bind records (bind record x does not describe y)"),
                log.toString());
    }
}
