package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.driver.qemu.HotplugSlots;
import dev.vmlaunch.host.DeviceCustody;
import dev.vmlaunch.qmp.PciHotplug;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpErrorException;
import dev.vmlaunch.qmp.QmpException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code vmlaunch attach} and {@code detach} of a running qemu guest, over its CLI QMP socket ({@code qmp-cli.sock},
 * as {@code stop} and {@code status} do): they work whether or not the supervisor lives, and the supervisor's own
 * connection ({@code qmp.sock}, its events) is never shared. QEMU serves one client per monitor, so a {@code status}
 * that comes while a {@code detach} waits for the guest waits its turn; two attaches or detaches at once are refused
 * by {@link HotplugLock}.
 *
 * <p>Custody follows the start-time rules: a device bound with {@code --managed} has a bind record naming the guest,
 * so {@code detach} gives it back once the guest let go (DEVICE_DELETED), and if the guest ends first, whoever
 * finishes it ({@link GuestEnd}) does.
 */
public final class GuestHotplug {

    /** How long QEMU may take to answer a command; how long the guest may take to release a device. */
    public record Timeouts(Duration command, Duration unplug, Duration giveBack) {}

    /** One endpoint's outcome, for the command to print. */
    public record Done(String host, String id, String slot, boolean managed, String note) {}

    private final GuestDir dir;
    private final Path qmpSocket;
    private final DeviceCustody custody;
    private final Timeouts timeouts;
    private final EventLog events;

    public GuestHotplug(GuestDir dir, Path qmpSocket, DeviceCustody custody, Timeouts timeouts) {
        this.dir = dir;
        this.qmpSocket = qmpSocket;
        this.custody = custody;
        this.timeouts = timeouts;
        this.events = new EventLog(dir.eventsFile());
    }

    /** The QEMU id of a hot-attached host device: letters, digits and '-', as QEMU ids must be. */
    public static String deviceId(PciAddress host) {
        return "vml-hot-" + host.toString().replace(':', '-').replace('.', '-');
    }

    /**
     * Plugs {@code endpoints} (every endpoint of {@code request}'s IOMMU group) into free reserved slots, binding them
     * first when {@code managed}. On any failure what was plugged in is unplugged again and what was bound is given
     * back, and the exception says so.
     */
    // "try": the hotplug lock is held for the whole block and never otherwise used.
    @SuppressWarnings("try")
    public List<Done> attach(PciAddress request, Supplier<List<PciAddress>> group, boolean managed)
            throws InterruptedException {
        try (HotplugLock lock = HotplugLock.acquire(dir);
                QmpClient qmp = connect()) {
            AttachedDevices rec = AttachedDevicesFile.read(dir);
            List<HotplugSlots.Slot> slots;
            try {
                slots = HotplugSlots.fromQueryPci(qmp.queryPci(timeouts.command()));
            } catch (QmpErrorException noPci) {
                // A machine without PCI ("-machine none") has no slots either.
                slots = List.of();
            }
            if (slots.isEmpty()) {
                throw VmlaunchException.usage("guest \"" + dir.name() + "\" has no hotplug slots: set \"hotplugSlots\" "
                        + "in its guest.json (QEMU cannot add root ports to a running machine) and start it again");
            }
            List<HotplugSlots.Slot> free = slots.stream()
                    .filter(s -> s.free() && !rec.slotsInUse().contains(s.id()))
                    .toList();
            if (free.isEmpty()) {
                throw noFreeSlot(request, List.of(request), slots, free);
            }
            // The host is asked only now: a guest that cannot take any device is refused for that, whatever the device.
            List<PciAddress> endpoints = group.get();
            for (PciAddress e : endpoints) {
                if (rec.hosts().contains(e.toString())) {
                    throw VmlaunchException.usage(e + " is attached to \"" + dir.name() + "\" already");
                }
            }
            if (free.size() < endpoints.size()) {
                throw noFreeSlot(request, endpoints, slots, free);
            }
            List<PciAddress> bound = managed ? custody.bindForAttach(dir.name(), endpoints) : List.of();
            if (!bound.isEmpty()) {
                events.vmlaunch("VMLAUNCH_DEVICES_BOUND", Map.of("devices", strings(bound), "for", "attach"));
            }
            List<AttachedDevices.Attached> added = new ArrayList<>();
            AttachedDevices now = rec;
            try {
                for (int i = 0; i < endpoints.size(); i++) {
                    PciAddress e = endpoints.get(i);
                    String slot = free.get(i).id();
                    Map<String, Object> props = new LinkedHashMap<>();
                    props.put("driver", "vfio-pci");
                    props.put("host", e.toString());
                    props.put("id", deviceId(e));
                    props.put("bus", slot);
                    // Slot 0 of the port, named: QEMU then refuses a port someone filled meanwhile.
                    props.put("addr", "0");
                    PciHotplug.add(qmp, props, timeouts.command());
                    AttachedDevices.Attached a = new AttachedDevices.Attached(
                            e.toString(),
                            deviceId(e),
                            slot,
                            bound.contains(e),
                            request.toString(),
                            Instant.now().toString(),
                            null);
                    now = now.plus(a);
                    AttachedDevicesFile.write(dir, now);
                    added.add(a);
                    events.vmlaunch(
                            "VMLAUNCH_DEVICE_ATTACHED",
                            Map.of("host", a.host(), "id", a.id(), "slot", slot, "managed", a.managed()));
                }
            } catch (QmpException | RuntimeException e) {
                String undone = rollBack(qmp, now, added, bound);
                throw VmlaunchException.failure(
                        "could not attach " + request + " to \"" + dir.name() + "\": " + reason(e) + undone);
            }
            return added.stream()
                    .map(a -> new Done(a.host(), a.id(), a.slot(), a.managed(), null))
                    .toList();
        } catch (QmpException e) {
            throw VmlaunchException.failure("QMP of \"" + dir.name() + "\" (" + qmpSocket + "): " + e.getMessage());
        }
    }

    /**
     * Unplugs every endpoint that came with the attach of {@code address} and, once QEMU reported each gone, gives
     * the managed ones back. A guest that does not let go in time keeps its device: nothing is given back, the
     * record says the unplug was requested, and a later {@code detach} (or the guest's end) finishes it.
     */
    // "try": the hotplug lock is held for the whole block and never otherwise used.
    @SuppressWarnings("try")
    public List<Done> detach(PciAddress address) throws InterruptedException {
        try (HotplugLock lock = HotplugLock.acquire(dir);
                QmpClient qmp = connect()) {
            AttachedDevices rec = AttachedDevicesFile.read(dir);
            List<AttachedDevices.Attached> batch = rec.batchOf(address.toString());
            if (batch.isEmpty()) {
                throw VmlaunchException.usage(address + " is not attached to \"" + dir.name() + "\" ("
                        + (rec.attached().isEmpty() ? "nothing is" : "attached: " + String.join(", ", rec.hosts()))
                        + "; devices from guest.json stay until the guest stops)");
            }
            List<Done> done = new ArrayList<>();
            AttachedDevices now = rec;
            for (AttachedDevices.Attached a : batch) {
                PciHotplug.Removal r;
                try {
                    r = PciHotplug.remove(qmp, a.id(), timeouts.command(), timeouts.unplug());
                } catch (QmpException e) {
                    AttachedDevicesFile.write(dir, now.withUnplugRequested(a));
                    throw VmlaunchException.failure("could not detach " + a.host() + " from \"" + dir.name() + "\": "
                            + e.getMessage()
                            + (done.isEmpty()
                                    ? ""
                                    : " (" + done.size() + " of " + batch.size() + " endpoints detached)")
                            + (a.managed()
                                    ? "; it stays on vfio-pci until it is " + "detached or the guest stops"
                                    : ""));
                }
                now = now.without(a);
                AttachedDevicesFile.write(dir, now);
                events.vmlaunch(
                        "VMLAUNCH_DEVICE_DETACHED",
                        Map.of(
                                "host",
                                a.host(),
                                "id",
                                a.id(),
                                "how",
                                r == PciHotplug.Removal.DELETED ? "DEVICE_DELETED" : "already gone"));
                done.add(new Done(
                        a.host(),
                        a.id(),
                        a.slot(),
                        a.managed(),
                        r == PciHotplug.Removal.ALREADY_GONE ? "was gone already" : null));
            }
            List<PciAddress> managed = batch.stream()
                    .filter(AttachedDevices.Attached::managed)
                    .map(a -> PciAddress.parse(a.host()))
                    .toList();
            if (!managed.isEmpty()) {
                giveBack(managed);
            }
            return done;
        } catch (QmpException e) {
            throw VmlaunchException.failure("QMP of \"" + dir.name() + "\" (" + qmpSocket + "): " + e.getMessage());
        }
    }

    private VmlaunchException noFreeSlot(
            PciAddress request,
            List<PciAddress> endpoints,
            List<HotplugSlots.Slot> slots,
            List<HotplugSlots.Slot> free) {
        return VmlaunchException.usage("no free hotplug slot in \"" + dir.name() + "\" for " + endpoints + ": "
                + free.size() + " of " + slots.size() + " free ("
                + slots.stream().map(HotplugSlots::describe).collect(Collectors.joining(", ")) + ")"
                + (endpoints.size() > 1
                        ? "; the IOMMU group of " + request + " has " + endpoints.size()
                                + " endpoints, each needs a slot"
                        : "")
                + "; 'vmlaunch detach' frees one");
    }

    private QmpClient connect() throws QmpException, InterruptedException {
        return QmpClient.connect(qmpSocket, timeouts.command());
    }

    /** Unplugs what this attach added and gives back what it bound; says what could not be undone. */
    private String rollBack(
            QmpClient qmp, AttachedDevices rec, List<AttachedDevices.Attached> added, List<PciAddress> bound)
            throws InterruptedException {
        List<String> stuck = new ArrayList<>();
        AttachedDevices now = rec;
        List<AttachedDevices.Attached> reversed = new ArrayList<>(added);
        Collections.reverse(reversed);
        for (AttachedDevices.Attached a : reversed) {
            try {
                PciHotplug.remove(qmp, a.id(), timeouts.command(), timeouts.unplug());
                now = now.without(a);
            } catch (QmpException e) {
                now = now.withUnplugRequested(a);
                stuck.add(a.host() + " (" + e.getMessage() + ")");
            }
        }
        try {
            AttachedDevicesFile.write(dir, now);
        } catch (VmlaunchException e) {
            stuck.add(e.getMessage());
        }
        if (!stuck.isEmpty()) {
            return "; still in the guest: " + String.join(", ", stuck) + " ('vmlaunch detach' retries)";
        }
        if (bound.isEmpty()) {
            return added.isEmpty() ? "" : "; unplugged again";
        }
        try {
            giveBack(bound);
            return "; " + (added.isEmpty() ? "" : "unplugged again, ") + bound + " given back to their drivers";
        } catch (VmlaunchException e) {
            return "; " + e.getMessage();
        }
    }

    /**
     * QEMU closes a device's VFIO group after DEVICE_DELETED (the device is finalised a moment later), and the host
     * does not take a device from vfio-pci while its group is open: retried until {@code giveBack} runs out.
     */
    private void giveBack(List<PciAddress> devices) throws InterruptedException {
        long end = System.nanoTime() + timeouts.giveBack().toNanos();
        while (true) {
            try {
                custody.restore(dir.name(), devices);
                events.vmlaunch("VMLAUNCH_DEVICES_RESTORED", Map.of("devices", strings(devices), "for", "detach"));
                return;
            } catch (VmlaunchException e) {
                if (System.nanoTime() > end) {
                    throw VmlaunchException.failure(e.getMessage() + " (QEMU released them "
                            + timeouts.giveBack().toSeconds() + " s ago; they are given back when the guest stops)");
                }
            }
            Thread.sleep(200);
        }
    }

    private static String reason(Exception e) {
        if (e instanceof QmpErrorException q) {
            return "QEMU refused: " + q.description();
        }
        return String.valueOf(e.getMessage());
    }

    private static List<String> strings(List<PciAddress> a) {
        return a.stream().map(PciAddress::toString).toList();
    }
}
