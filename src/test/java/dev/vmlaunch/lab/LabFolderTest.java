package dev.vmlaunch.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.driver.ProcessIdentity;
import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.GuestStateFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabFolderTest {
    @TempDir
    Path state;

    /** A guest folder as the supervisor leaves it, its VMM and supervisor being this (live) JVM. */
    private Path runningGuest(String name, String specText) throws Exception {
        Path dir = Files.createDirectories(state.resolve(name));
        ProcessIdentity me = ProcessIdentity.current();
        String now = Instant.now().toString();
        GuestStateFile.write(
                dir.resolve("state.json"),
                new GuestState(
                        GuestState.VERSION,
                        name,
                        "qemu",
                        "qemu-system-x86_64",
                        ProcessIdentity.bootId(),
                        me.pid(),
                        me.startTicks(),
                        me.pid(),
                        me.startTicks(),
                        false,
                        "running",
                        now,
                        now,
                        List.of(),
                        List.of(),
                        null,
                        null,
                        dir.resolve("qmp-cli.sock").toString(),
                        null,
                        null,
                        null,
                        null));
        Files.writeString(dir.resolve("lock"), "");
        Files.writeString(dir.resolve("spec.json"), specText);
        return dir;
    }

    @Test
    void aGuestNamedLikeTheLabFolderKeepsItsStateFolder() throws Exception {
        Path guest = runningGuest("lab-x86_64", "{}");
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> LabFolder.clear(state, "lab-x86_64"));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("is the state folder of a guest named \"lab-x86_64\""), e.getMessage());
        assertTrue(Files.exists(guest.resolve("state.json")), "nothing was deleted");
    }

    @Test
    void aSymlinkInPlaceOfTheLabFolderIsNeitherFollowedNorRemoved() throws Exception {
        Path elsewhere = Files.createDirectories(state.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("precious"), "keep");
        Files.createSymbolicLink(state.resolve("lab-aarch64"), elsewhere);
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> LabFolder.clear(state, "lab-aarch64"));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
        assertTrue(Files.exists(elsewhere.resolve("precious")));
        assertTrue(Files.isSymbolicLink(state.resolve("lab-aarch64")));
    }

    @Test
    void aRunningGuestWithFilesFromTheLabFolderKeepsThem() throws Exception {
        Path lab = Files.createDirectories(state.resolve("lab-aarch64/share"));
        runningGuest("vmlaunch-lab-its", "{\"shares\": [{\"path\": \"" + lab + "\"}]}");
        VmlaunchException e = assertThrows(VmlaunchException.class, () -> LabFolder.clear(state, "lab-aarch64"));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith("guest \"vmlaunch-lab-its\" still runs with files from "), e.getMessage());
        assertTrue(Files.isDirectory(lab));
    }

    @Test
    void anEarlierLabsFolderIsClearedAndMadeAnew() throws Exception {
        Path old = Files.createDirectories(state.resolve("lab-x86_64/share"));
        Files.writeString(old.resolve("leftover"), "x");
        runningGuest("other", "{\"shares\": [{\"path\": \"" + state.resolve("lab-x86_64-not-this") + "\"}]}");
        Path folder = LabFolder.clear(state, "lab-x86_64");
        assertEquals(state.resolve("lab-x86_64"), folder);
        assertTrue(Files.isDirectory(folder));
        assertFalse(Files.exists(old));
    }
}
