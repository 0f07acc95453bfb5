package dev.vmlaunch.supervise;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.driver.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What list makes of state folders that do not match the processes running now. */
class RecordedGuestsTest {
    @TempDir
    Path root;

    GuestState running(String name, ProcessIdentity vmm, ProcessIdentity supervisor, String boot) {
        String now = Instant.now().toString();
        return new GuestState(
                GuestState.VERSION,
                name,
                "qemu",
                "qemu-system-x86_64",
                boot,
                vmm.pid(),
                vmm.startTicks(),
                supervisor.pid(),
                supervisor.startTicks(),
                false,
                "running",
                now,
                now,
                List.of(),
                List.of(),
                null,
                null,
                root.resolve(name).resolve("qmp-cli.sock").toString(),
                null,
                null,
                null,
                null);
    }

    void write(GuestState s) throws Exception {
        Files.createDirectories(root.resolve(s.name()));
        GuestStateFile.write(root.resolve(s.name()).resolve("state.json"), s);
    }

    @Test
    void aRunningRecordWhoseProcessesLiveIsRunningAndSupervised() throws Exception {
        ProcessIdentity me = ProcessIdentity.current();
        write(running("g1", me, me, ProcessIdentity.bootId()));
        RecordedGuests.Record r = RecordedGuests.scan(root).get(0);
        assertEquals(Lifecycle.RUNNING, r.shown());
        assertTrue(r.vmmAlive());
        assertTrue(r.supervisorAlive());
        assertTrue(r.live());
    }

    @Test
    void aRecordFromAnEarlierBootIsCrashedLostEvenIfItsPidsExistNow() throws Exception {
        ProcessIdentity me = ProcessIdentity.current();
        write(running("old", me, me, "00000000-0000-0000-0000-000000000000"));
        RecordedGuests.Record r = RecordedGuests.scan(root).get(0);
        assertEquals(Lifecycle.CRASHED, r.shown());
        assertEquals(ExitRecord.LOST, r.exit().how());
        assertTrue(r.exit().detail().contains("earlier boot"), r.exit().detail());
        assertFalse(r.live());
        assertTrue(r.needsFinishing());
    }

    @Test
    void aReusedPidIsNotTheGuest() throws Exception {
        ProcessIdentity me = ProcessIdentity.current();
        ProcessIdentity impostor = new ProcessIdentity(me.pid(), me.startTicks() - 1);
        write(running("reused", impostor, impostor, ProcessIdentity.bootId()));
        RecordedGuests.Record r = RecordedGuests.scan(root).get(0);
        assertFalse(r.vmmAlive());
        assertFalse(r.supervisorAlive());
        assertEquals(Lifecycle.CRASHED, r.shown());
        assertEquals(ExitRecord.LOST, r.exit().how());
    }

    @Test
    void brokenFilesAreListedAsSuchAndOtherFoldersAreIgnored() throws Exception {
        Files.createDirectories(root.resolve("bad"));
        Files.writeString(root.resolve("bad/state.json"), "{\"name\": \"bad\", \"vm");
        Files.createDirectories(root.resolve("devices"));
        Files.writeString(root.resolve("devices/0000:01:00.0.json"), "{}");
        Files.createDirectories(root.resolve("halfway"));
        Files.writeString(root.resolve("halfway/lock"), "123\n");
        Files.writeString(root.resolve(".supervisor-x-1.log"), "");
        ProcessIdentity me = ProcessIdentity.current();
        GuestState other = running("someone-else", me, me, ProcessIdentity.bootId());
        Files.createDirectories(root.resolve("renamed"));
        GuestStateFile.write(root.resolve("renamed/state.json"), other);

        List<RecordedGuests.Record> all = RecordedGuests.scan(root);
        assertEquals(
                List.of("bad", "renamed"),
                all.stream().map(RecordedGuests.Record::name).toList());
        assertTrue(all.get(0).isBroken());
        assertTrue(
                all.get(0).broken().startsWith("state.json is not valid"),
                all.get(0).broken());
        assertTrue(all.get(1).isBroken());
        assertTrue(
                all.get(1).broken().contains("names another guest"), all.get(1).broken());
    }

    @Test
    void listingIsReadOnly() throws Exception {
        ProcessIdentity me = ProcessIdentity.current();
        write(running("old", me, me, "another-boot"));
        Path sock = root.resolve("old/qmp-cli.sock");
        Files.writeString(sock, "");
        byte[] before = Files.readAllBytes(root.resolve("old/state.json"));
        RecordedGuests.scan(root);
        assertTrue(Files.exists(sock));
        assertEquals(new String(before, UTF_8), Files.readString(root.resolve("old/state.json")));
    }
}
