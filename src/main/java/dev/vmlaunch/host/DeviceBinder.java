package dev.vmlaunch.host;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Moves devices to vfio-pci and back, the way libvirt does: driver_override → unbind → drivers_probe, and back by
 * restoring the override, unbinding and reprobing (or binding the recorded driver). The original driver is on disk
 * before anything changes; a bind that fails halfway is rolled back.
 */
public final class DeviceBinder {
    static final String VFIO_MODULE = "vfio-pci";
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private final Sysfs sysfs;
    private final PciBus bus;
    private final ModuleLoader modules;
    private final BindStateStore store;
    private final HostUsage usage;
    private final VfioHolders holders;
    private final Duration settle;

    public DeviceBinder(
            Sysfs sysfs, PciBus bus, ModuleLoader modules, BindStateStore store, HostUsage usage, VfioHolders holders) {
        this(sysfs, bus, modules, store, usage, holders, SETTLE);
    }

    /** {@code settle}: how long to wait for a driver link to change after a write (the kernel is quick). */
    DeviceBinder(
            Sysfs sysfs,
            PciBus bus,
            ModuleLoader modules,
            BindStateStore store,
            HostUsage usage,
            VfioHolders holders,
            Duration settle) {
        this.sysfs = sysfs;
        this.bus = bus;
        this.modules = modules;
        this.store = store;
        this.usage = usage;
        this.holders = holders;
        this.settle = settle;
    }

    /**
     * Binds {@code devices} (with {@code wholeGroup}: every non-bridge member of their IOMMU groups) to vfio-pci.
     *
     * @param force take devices the host uses (boot VGA, mounted storage, a NIC with an address or the default route)
     * @param owner recorded with each device: a guest name, or null for "vmlaunch bind"
     * @throws VmlaunchException hostNotReady listing every refusal, before anything changed; failure when the
     *                           kernel did not cooperate (whatever had changed is rolled back)
     */
    public BindResult bind(List<PciAddress> devices, boolean wholeGroup, boolean force, String owner) {
        List<PciDevice> targets = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Set<PciAddress> seen = new LinkedHashSet<>();
        IommuGroups groups = new IommuGroups(sysfs);
        for (PciAddress a : devices) {
            Optional<PciDevice> d = sysfs.device(a);
            if (d.isEmpty()) {
                problems.add("no PCI device " + a + " on this host (see 'vmlaunch groups' or 'lspci -D')");
                continue;
            }
            if (d.get().isBridge()) {
                problems.add(a + " is a PCI bridge: bridges stay on their driver ("
                        + orNone(d.get().driver()) + ") and vfio-pci does not take them");
                continue;
            }
            if (d.get().iommuGroup() == null) {
                problems.add(a + " has no IOMMU group: the IOMMU is off, vfio-pci cannot take it"
                        + " (see 'vmlaunch host check')");
                // still a target, so that the refusals below are listed too
            }
            if (wholeGroup && d.get().iommuGroup() != null) {
                IommuGroup g = groups.group(d.get().iommuGroup());
                for (PciDevice m : g.devices()) {
                    if (!m.isBridge() && seen.add(m.address())) {
                        targets.add(m);
                    }
                }
                for (IommuGroup.OtherMember o : Viability.otherBlockers(g)) {
                    problems.add("IOMMU group " + g.id() + " also holds " + o.name() + " (not PCI), bound to "
                            + o.driver() + ": unbind it by hand");
                }
            } else if (seen.add(a)) {
                targets.add(d.get());
            }
        }
        if (!force) {
            for (PciDevice t : targets) {
                if (Viability.VFIO_PCI.equals(t.driver())) {
                    continue;
                }
                for (String why : usage.reasons(t)) {
                    problems.add("refusing to take " + t.address() + " from the host: " + why
                            + " (--force takes it anyway)");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw VmlaunchException.hostNotReady(String.join("\n  ", withHeader("nothing was changed:", problems)));
        }

        BindStateStore.Lock lock = store.lock("binding "
                + targets.stream().map(t -> t.address().toString()).collect(java.util.stream.Collectors.joining(" "))
                + (owner == null ? "" : " for " + owner));
        try {
            ensureVfioPci();
            List<BindResult.Change> changes = new ArrayList<>();
            List<PciAddress> touched = new ArrayList<>();
            for (PciDevice t : targets) {
                String now = sysfs.driverOf(t.address()).orElse(null);
                if (Viability.VFIO_PCI.equals(now)) {
                    changes.add(new BindResult.Change(t.address(), now, now, false));
                    continue;
                }
                try {
                    record(t.address(), now, sysfs.requireDevice(t.address()).driverOverride(), owner);
                    touched.add(t.address());
                    bindOne(t.address(), now);
                    changes.add(new BindResult.Change(t.address(), now, Viability.VFIO_PCI, true));
                } catch (IOException | RuntimeException e) {
                    throw rolledBack(t.address(), e, touched);
                }
            }
            return new BindResult(changes);
        } finally {
            lock.close();
        }
    }

    /**
     * Gives devices back to their recorded drivers and deletes the records. A device without a record that is on
     * vfio-pci gets what libvirt's reattach does: override cleared, unbound, reprobed.
     */
    public RestoreResult restore(List<PciAddress> devices) {
        List<BindResult.Change> done = new ArrayList<>();
        List<RestoreResult.Failure> failures = new ArrayList<>();
        BindStateStore.Lock lock = store.lock("restoring "
                + devices.stream().map(PciAddress::toString).collect(java.util.stream.Collectors.joining(" ")));
        try {
            for (PciAddress a : new LinkedHashSet<>(devices)) {
                try {
                    if (!sysfs.exists(a)) {
                        failures.add(new RestoreResult.Failure(a, "no PCI device " + a + " on this host"));
                        continue;
                    }
                    Optional<String> held = heldOpen(a);
                    if (held.isPresent()) {
                        failures.add(new RestoreResult.Failure(a, held.get()));
                        continue;
                    }
                    Optional<BindRecord> r = store.read(a);
                    done.add(r.isPresent() ? restoreOne(a, r.get()) : reattach(a));
                } catch (IOException | RuntimeException e) {
                    failures.add(new RestoreResult.Failure(a, message(e)));
                }
            }
        } finally {
            lock.close();
        }
        return new RestoreResult(done, failures);
    }

    /**
     * Why {@code a} must stay on vfio-pci for now: its group's node is open in a live process (a VMM still using it;
     * the kernel's unbind would block until it lets go).
     */
    private Optional<String> heldOpen(PciAddress a) {
        PciDevice d = sysfs.requireDevice(a);
        if (!Viability.VFIO_PCI.equals(d.driver()) || d.iommuGroup() == null) {
            return Optional.empty();
        }
        List<String> who = holders.of(d.iommuGroup().toString());
        if (who.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("refusing to take " + a + " from vfio-pci: /dev/vfio/" + d.iommuGroup() + " is open in "
                + String.join(", ", who) + "; stop that process first (the record stays, to retry)");
    }

    /** Restores every device whose record names {@code owner}: for a supervisor cleaning up after a crash. */
    public RestoreResult restoreOwnedBy(String owner) {
        return restore(store.all().stream()
                .filter(r -> Objects.equals(r.owner(), owner))
                .map(r -> PciAddress.parse(r.address()))
                .toList());
    }

    /** Devices vmlaunch has bound and not yet restored. */
    public List<BindRecord> records() {
        return store.all();
    }

    private void ensureVfioPci() {
        if (sysfs.driverRegistered(Viability.VFIO_PCI)) {
            return;
        }
        try {
            modules.load(VFIO_MODULE);
        } catch (IOException e) {
            throw VmlaunchException.hostNotReady("cannot load vfio-pci: " + e.getMessage()
                    + " (nothing was changed; is the module installed for this kernel?)");
        }
        if (!sysfs.driverRegistered(Viability.VFIO_PCI)) {
            throw VmlaunchException.hostNotReady(
                    "vfio-pci was loaded but no PCI driver vfio-pci is registered" + " (nothing was changed)");
        }
    }

    private void record(PciAddress a, String driver, String override, String owner) throws IOException {
        Optional<BindRecord> old = store.read(a);
        // A crash between unbind and probe leaves the device driverless with a record: that record is the truth.
        if (old.isPresent() && driver == null) {
            return;
        }
        store.write(new BindRecord(
                a.toString(),
                driver,
                override,
                owner == null ? "vmlaunch bind" : owner,
                ProcessHandle.current().pid(),
                Instant.now().toString()));
    }

    private void bindOne(PciAddress a, String current) throws IOException {
        bus.setDriverOverride(a, Viability.VFIO_PCI);
        if (current != null) {
            bus.unbind(a);
        }
        bus.probe(a);
        String now = settle(a, Viability.VFIO_PCI);
        if (!Viability.VFIO_PCI.equals(now)) {
            throw new IOException("the kernel did not bind it to vfio-pci (driver now: " + orNone(now)
                    + "; the kernel log says why)");
        }
    }

    private BindResult.Change restoreOne(PciAddress a, BindRecord r) throws IOException {
        String want = r.originalDriver();
        String now = sysfs.driverOf(a).orElse(null);
        bus.setDriverOverride(a, r.originalOverride());
        if (now != null && !now.equals(want)) {
            bus.unbind(a);
        }
        if (want != null && !want.equals(sysfs.driverOf(a).orElse(null))) {
            bus.probe(a);
            String after = settle(a, want);
            if (!want.equals(after) && sysfs.driverRegistered(want)) {
                // Probing picked another driver (or none): ask the recorded one by name.
                if (after != null) {
                    bus.unbind(a);
                }
                bus.bind(a, want);
                after = settle(a, want);
            }
            if (!want.equals(after)) {
                throw new IOException("could not give " + a + " back to " + want + " (driver now: " + orNone(after)
                        + "); its record stays in " + store.folder());
            }
        }
        store.delete(a);
        return new BindResult.Change(a, now, want, true);
    }

    private BindResult.Change reattach(PciAddress a) throws IOException {
        PciDevice d = sysfs.requireDevice(a);
        if (!Viability.VFIO_PCI.equals(d.driver())) {
            return new BindResult.Change(a, d.driver(), d.driver(), false);
        }
        if (Viability.VFIO_PCI.equals(d.driverOverride())) {
            bus.setDriverOverride(a, null);
        }
        bus.unbind(a);
        bus.probe(a);
        return new BindResult.Change(a, d.driver(), settle(a, null), true);
    }

    private VmlaunchException rolledBack(PciAddress failed, Exception cause, List<PciAddress> touched) {
        List<String> lines = new ArrayList<>();
        lines.add("binding " + failed + " to vfio-pci failed: " + message(cause));
        for (int i = touched.size() - 1; i >= 0; i--) {
            PciAddress a = touched.get(i);
            try {
                Optional<BindRecord> r = store.read(a);
                if (r.isPresent()) {
                    BindResult.Change c = restoreOne(a, r.get());
                    lines.add("rolled back " + a + ": on " + orNone(c.toDriver()) + " again");
                }
            } catch (IOException | RuntimeException e) {
                lines.add("rolling back " + a + " failed: " + message(e) + "; run 'vmlaunch unbind " + a + "'");
            }
        }
        return VmlaunchException.failure(String.join("\n  ", lines), cause);
    }

    /** Waits briefly for the driver link to show {@code want}; returns the driver seen last. */
    private String settle(PciAddress a, String want) {
        long end = System.nanoTime() + settle.toNanos();
        String now = sysfs.driverOf(a).orElse(null);
        while (!Objects.equals(now, want) && want != null && System.nanoTime() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            now = sysfs.driverOf(a).orElse(null);
        }
        return now;
    }

    private static List<String> withHeader(String header, List<String> lines) {
        List<String> out = new ArrayList<>();
        out.add(header);
        out.addAll(lines);
        return out;
    }

    static String orNone(String driver) {
        return driver == null ? "no driver" : driver;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
