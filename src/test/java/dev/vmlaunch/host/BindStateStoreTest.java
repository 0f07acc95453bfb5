package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.VmlaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BindStateStoreTest {
    @TempDir
    Path tmp;

    @Test
    void bindRecordsRoundTripAndATamperedDriverNameIsRefused() throws Exception {
        BindStateStore store = new BindStateStore(tmp.resolve("state"));
        BindRecord r = new BindRecord("0000:01:00.0", "nvidia", null, "g1", 42, "2024-01-01T00:00:00Z");
        store.write(r);
        assertEquals(java.util.Optional.of(r), store.read(dev.vmlaunch.config.PciAddress.parse("01:00.0")));
        Files.writeString(
                store.folder().resolve("0000:01:00.1.json"),
                "{\"address\":\"0000:01:00.1\",\"originalDriver\":\"../../../x\"}");
        assertThrows(VmlaunchException.class, () -> store.read(dev.vmlaunch.config.PciAddress.parse("01:00.1")));
    }

    @Test
    // "try": the first lock is held for the block while another binder tries; it is never otherwise used.
    @SuppressWarnings("try")
    void threadsOfOneProcessTakeTheLockInTurnInsteadOfFailing() throws Exception {
        BindStateStore store = new BindStateStore(tmp.resolve("state"));
        BindStateStore other = new BindStateStore(tmp.resolve("state"));
        java.util.concurrent.CompletableFuture<String> second;
        try (BindStateStore.Lock first = store.lock("binding 0000:01:00.0 for virt1")) {
            // A POSIX file lock is per process: without an in-JVM lock this throws OverlappingFileLockException.
            second = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                other.lock("binding 0000:02:00.0 for virt2", Duration.ofSeconds(30))
                        .close();
                return "held";
            });
            Thread.sleep(200);
            assertFalse(second.isDone(), "the second binder must wait while the first holds the lock");
        }
        assertEquals("held", second.get(30, java.util.concurrent.TimeUnit.SECONDS));
    }

    @Test
    // "try": the first lock is held for the block while another binder tries; it is never otherwise used.
    @SuppressWarnings("try")
    void aBinderThatWaitsTooLongIsToldWhoHoldsTheLock() {
        BindStateStore store = new BindStateStore(tmp.resolve("state"));
        try (BindStateStore.Lock first = store.lock("binding 0000:01:00.0 for virt1")) {
            java.util.concurrent.CompletionException ce = assertThrows(
                    java.util.concurrent.CompletionException.class,
                    () -> java.util.concurrent.CompletableFuture.supplyAsync(
                                    () -> store.lock("restoring 0000:01:00.0", Duration.ofMillis(200)))
                            .join());
            VmlaunchException e = (VmlaunchException) ce.getCause();
            assertTrue(
                    e.getMessage()
                            .contains("pid " + ProcessHandle.current().pid() + ": binding 0000:01:00.0 for virt1"),
                    e.getMessage());
        }
        try (BindStateStore.Lock again = store.lock("after", Duration.ofSeconds(5))) {
            assertTrue(Files.exists(store.folder().resolve(".lock")));
        }
    }

    @Test
    void aSymlinkedLockFileIsNotFollowed() throws Exception {
        BindStateStore store = new BindStateStore(tmp.resolve("state"));
        Files.createDirectories(store.folder());
        Path outside = tmp.resolve("outside");
        Files.createSymbolicLink(store.folder().resolve(".lock"), outside);
        assertThrows(VmlaunchException.class, () -> store.lock("binding", Duration.ofSeconds(1))
                .close());
        assertFalse(Files.exists(outside), "the lock must not create a file through a symlink");
    }

    @Test
    void recordsLiveInADotFolderNoGuestNameCanTake() {
        assertEquals(tmp.resolve("state/.devices"), new BindStateStore(tmp.resolve("state")).folder());
    }
}
