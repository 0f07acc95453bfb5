package dev.vmlaunch.supervise;

import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.lkvm.LkvmInstances;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code list} shows: the guests in the state directory (checked against the live processes) and the
 * kvmtool guests on this host that vmlaunch did not start, found through their sockets like {@code lkvm list}.
 */
public final class ListedGuests {

    /**
     * One row.
     *
     * @param source        {@code vmlaunch}, or {@code lkvm} for a kvmtool guest started outside vmlaunch
     * @param state         running, paused, starting, stopped, crashed, or broken (unreadable state)
     * @param pid           the VMM, null when unknown
     * @param supervisorPid null for guests vmlaunch does not supervise
     * @param supervised    a live supervisor watches it
     * @param since         when it entered {@code state}; null when unknown
     * @param startedAt     when it was started; null when unknown
     * @param exit          how it ended, for ended guests
     * @param note          one line for a person, or null
     * @param attached      host devices {@code vmlaunch attach} plugged in (live guests only)
     */
    public record Entry(
            String name,
            String source,
            String vmm,
            String state,
            Long pid,
            Long supervisorPid,
            boolean supervised,
            String since,
            String startedAt,
            List<String> devices,
            ExitRecord exit,
            String note,
            boolean live,
            List<String> attached) {
        public Entry {
            attached = attached == null ? List.of() : List.copyOf(attached);
        }

        public Entry(
                String name,
                String source,
                String vmm,
                String state,
                Long pid,
                Long supervisorPid,
                boolean supervised,
                String since,
                String startedAt,
                List<String> devices,
                ExitRecord exit,
                String note,
                boolean live) {
            this(
                    name,
                    source,
                    vmm,
                    state,
                    pid,
                    supervisorPid,
                    supervised,
                    since,
                    startedAt,
                    devices,
                    exit,
                    note,
                    live,
                    List.of());
        }
    }

    private ListedGuests() {}

    /**
     * @param all with ended guests too; without, only those that may run (and those whose state is unreadable,
     *            which may)
     */
    public static List<Entry> collect(Path stateRoot, Path lkvmDir, boolean all, Duration lkvmTimeout) {
        List<Entry> out = new ArrayList<>();
        Set<Path> ours = new HashSet<>();
        for (RecordedGuests.Record r : RecordedGuests.scan(stateRoot)) {
            if (r.isBroken()) {
                out.add(new Entry(
                        r.name(),
                        "vmlaunch",
                        null,
                        "broken",
                        null,
                        null,
                        false,
                        null,
                        null,
                        List.of(),
                        null,
                        r.broken(),
                        false));
                continue;
            }
            GuestState s = r.state();
            if (s.lkvmSocket() != null && r.live()) {
                ours.add(Path.of(s.lkvmSocket()).toAbsolutePath().normalize());
            }
            if (!all && !r.live()) {
                continue;
            }
            String note = null;
            if (r.live() && !r.supervisorAlive()) {
                note = "supervisor gone ('vmlaunch stop " + r.name() + "' still works)";
            } else if (r.exit() != null) {
                note = r.exit().how() + ": " + r.exit().detail();
            }
            if (s.devicesOwed() && !r.live()) {
                note = (note == null ? "" : note + "; ") + "devices not given back"
                        + (s.restoreError() == null ? "" : ": " + s.restoreError());
            }
            String shown = r.shown().json();
            if (r.vmmAlive() && r.shown() == Lifecycle.RUNNING) {
                // A VMM that sends no events (kvmtool) says itself whether it is paused, as for lkvm list.
                shown = s.driverIfKnown()
                        .flatMap(d -> d.askedState(s.endpoints(), lkvmTimeout))
                        .orElse(shown);
            }
            out.add(new Entry(
                    r.name(),
                    "vmlaunch",
                    s.vmm(),
                    shown,
                    s.pid(),
                    s.supervisorPid(),
                    r.supervisorAlive(),
                    s.since(),
                    s.startedAt(),
                    s.devices(),
                    r.shown().ended() ? r.exit() : null,
                    note,
                    r.live(),
                    r.vmmAlive() ? AttachedDevicesFile.readQuietly(r.dir()).hosts() : List.of()));
        }
        for (LkvmInstances.Instance i : LkvmInstances.scan(lkvmDir, lkvmTimeout)) {
            if (ours.contains(i.socket().toAbsolutePath().normalize())) {
                continue;
            }
            if (i.answered()) {
                out.add(new Entry(
                        i.name(),
                        "lkvm",
                        "lkvm",
                        i.state().json(),
                        i.pid(),
                        null,
                        false,
                        null,
                        startTime(i.pid()),
                        List.of(),
                        null,
                        "kvmtool guest not started by vmlaunch",
                        true));
            } else {
                // A dead socket is reported once (it is removed); one that hangs is reported every time.
                out.add(new Entry(
                        i.name(),
                        "lkvm",
                        "lkvm",
                        i.dead() ? "crashed" : "broken",
                        null,
                        null,
                        false,
                        null,
                        null,
                        List.of(),
                        null,
                        i.socket() + ": " + i.error(),
                        false));
            }
        }
        return out;
    }

    /** A foreign kvmtool's start, from /proc, for its uptime. */
    private static String startTime(long pid) {
        return ProcessHandle.of(pid)
                .flatMap(h -> h.info().startInstant())
                .map(Object::toString)
                .orElse(null);
    }
}
