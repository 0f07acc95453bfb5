package dev.vmlaunch.supervise;

import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.host.DeviceCustody;
import dev.vmlaunch.lkvm.LkvmIpc;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What happens once a guest's VMM is gone, whoever saw it go (the supervisor, or {@code vmlaunch stop} / a new
 * {@code run} when the supervisor is gone too): the managed devices go back to their drivers, the sockets are
 * removed, and the end is recorded. The caller holds the guest's {@link RunLock}, so this runs once.
 */
public final class GuestEnd {
    private GuestEnd() {}

    public static GuestState finish(
            GuestDir dir, GuestState s, ExitRecord exit, DeviceCustody custody, Consumer<String> log) {
        EventLog events = new EventLog(dir.eventsFile());
        GuestState next = s;
        Set<String> owed = new LinkedHashSet<>(s.devicesOwed() ? s.managedDevices() : List.of());
        try {
            custody.heldFor(s.name()).forEach(a -> owed.add(a.toString()));
        } catch (RuntimeException e) {
            // One bad record must not keep the devices the state names from going back.
            log.accept("cannot read the bind records (" + e.getMessage() + "): devices bound for \"" + s.name()
                    + "\" that its state does not name may still be on vfio-pci");
        }
        if (!owed.isEmpty()) {
            // Devices bound before the state named them (supervisor killed while binding) are owed too.
            Set<String> all = new LinkedHashSet<>(s.managedDevices());
            all.addAll(owed);
            next = next.withManagedDevices(List.copyOf(all));
            List<PciAddress> devices = owed.stream().map(PciAddress::parse).toList();
            try {
                custody.restore(s.name(), devices);
                next = next.withRestore(true, null);
                events.vmlaunch("VMLAUNCH_DEVICES_RESTORED", Map.of("devices", List.copyOf(owed)));
            } catch (RuntimeException e) {
                next = next.withRestore(false, String.valueOf(e.getMessage()));
                log.accept("could not give " + devices + " back to their drivers: " + e.getMessage());
                events.vmlaunch(
                        "VMLAUNCH_DEVICES_NOT_RESTORED",
                        Map.of("devices", List.copyOf(owed), "error", String.valueOf(e.getMessage())));
            }
        }
        removeSockets(dir, s);
        Instant now = Instant.now();
        if (exit.at() == null) {
            exit = new ExitRecord(exit.how(), exit.status(), exit.signal(), exit.detail(), now.toString());
        }
        next = next.withExit(exit).withLifecycle(exit.lifecycle(), now);
        try {
            GuestStateFile.write(dir.stateFile(), next);
        } catch (IOException e) {
            log.accept("cannot record the end of \"" + s.name() + "\" in " + dir.stateFile() + ": " + e.getMessage());
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("how", exit.how());
        data.put("detail", exit.detail());
        if (exit.status() != null) {
            data.put("status", exit.status());
        }
        if (exit.signal() != null) {
            data.put("signal", exit.signal());
        }
        events.vmlaunch("VMLAUNCH_EXITED", data);
        return next;
    }

    /** QEMU's sockets stay behind when it is killed; kvmtool's too ("ghosts"), which we remove only once dead. */
    static void removeSockets(GuestDir dir, GuestState s) {
        for (Path p : dir.sockets()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // Removed again at the next start.
            }
        }
        if (s != null && s.lkvmSocket() != null) {
            Path sock = Path.of(s.lkvmSocket());
            if (Files.exists(sock)) {
                try {
                    LkvmIpc.connect(sock, Duration.ofMillis(500)).close();
                    // Something answers: a new kvmtool of the same name; not ours to remove.
                } catch (ConnectException refused) {
                    try {
                        Files.deleteIfExists(sock);
                    } catch (IOException e) {
                        // kvmtool removes ghosts too.
                    }
                } catch (IOException other) {
                    // Not answering but not refusing: leave it.
                }
            }
        }
    }
}
