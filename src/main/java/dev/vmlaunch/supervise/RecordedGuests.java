package dev.vmlaunch.supervise;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.driver.ProcessIdentity;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the state directory says about each guest, checked against the processes that actually run. A record can
 * say "running" while its VMM is long gone (the supervisor was killed with it, or the host rebooted): the truth is
 * then "crashed, lost", and that is what {@link Record#shown()} says. Reading never changes anything and never
 * throws on a bad file.
 */
public final class RecordedGuests {

    /**
     * One guest folder.
     *
     * @param state           null when state.json is broken
     * @param broken          why state.json could not be used, else null
     * @param vmmAlive        the recorded VMM (pid + start time, this boot) is running
     * @param supervisorAlive the recorded supervisor is running
     * @param shown           the state to show, null when broken
     * @param exit            how it ended: recorded, or {@code lost} when nobody recorded it
     */
    // JavaLangClash: named RecordedGuests.Record outside this file, and nothing here uses java.lang.Record; a rename
    // of a type that cli, lab and supervise all use is a change of its own.
    @SuppressWarnings("JavaLangClash")
    public record Record(
            GuestDir dir,
            GuestState state,
            String broken,
            boolean vmmAlive,
            boolean supervisorAlive,
            Lifecycle shown,
            ExitRecord exit) {

        public String name() {
            return dir.name();
        }

        public boolean isBroken() {
            return broken != null;
        }

        /** The VMM may still run: a live state, or a VMM that is alive whatever the record says. */
        public boolean live() {
            return vmmAlive || (shown != null && !shown.ended());
        }

        /** Ended, but devices or sockets were not cleaned up by whoever saw it end. */
        public boolean needsFinishing() {
            return !isBroken()
                    && !vmmAlive
                    && !supervisorAlive
                    && (!state.lifecycle().map(Lifecycle::ended).orElse(false) || state.devicesOwed());
        }
    }

    private RecordedGuests() {}

    /** Every guest folder (those with a state.json), by name. */
    public static List<Record> scan(Path stateRoot) {
        List<Record> out = new ArrayList<>();
        if (!Files.isDirectory(stateRoot)) {
            return out;
        }
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(stateRoot)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.matches(GuestSpec.NAME_PATTERN)
                        && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        && Files.exists(p.resolve("state.json"), LinkOption.NOFOLLOW_LINKS)) {
                    dirs.add(p);
                }
            }
        } catch (IOException e) {
            return out;
        }
        dirs.sort(null);
        String boot = ProcessIdentity.bootId();
        for (Path d : dirs) {
            out.add(inspect(new GuestDir(d, d.getFileName().toString()), boot));
        }
        return out;
    }

    public static Optional<Record> find(Path stateRoot, String name) {
        GuestDir dir = GuestDir.of(stateRoot, name);
        if (!Files.exists(dir.stateFile(), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return Optional.of(inspect(dir, ProcessIdentity.bootId()));
    }

    static Record inspect(GuestDir dir, String currentBoot) {
        GuestStateFile.Read read = GuestStateFile.read(dir.stateFile());
        if (!read.present()) {
            String why = read.broken() ? read.brokenReason() : "state.json is missing";
            return new Record(dir, null, why, false, false, null, null);
        }
        GuestState s = read.state();
        if (!s.name().equals(dir.name())) {
            return new Record(
                    dir, null, "state.json names another guest (\"" + s.name() + "\")", false, false, null, null);
        }
        boolean sameBoot = s.bootId() == null
                || s.bootId().isEmpty()
                || currentBoot.isEmpty()
                || s.bootId().equals(currentBoot);
        boolean vmmAlive =
                sameBoot && s.vmmIdentity().map(ProcessIdentity::isAlive).orElse(false);
        boolean supervisorAlive = sameBoot && s.supervisorIdentity().isAlive();
        Lifecycle recorded = s.lifecycle().orElseThrow();
        if (recorded.ended() || vmmAlive || supervisorAlive) {
            return new Record(dir, s, null, vmmAlive, supervisorAlive, recorded, s.exit());
        }
        String detail = !sameBoot
                ? "recorded as " + recorded.json() + " in an earlier boot of this host"
                : s.pid() == null
                        ? "its supervisor (pid " + s.supervisorPid() + ") died before the VMM started"
                        : "the VMM (pid " + s.pid() + ") and its supervisor (pid " + s.supervisorPid()
                                + ") are gone; nobody recorded how it ended";
        // When it ended is unknown; "since" stays the last time it was known to run.
        ExitRecord lost = new ExitRecord(ExitRecord.LOST, null, null, detail, null);
        return new Record(dir, s, null, false, false, Lifecycle.CRASHED, lost);
    }
}
