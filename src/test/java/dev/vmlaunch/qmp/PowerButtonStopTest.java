package dev.vmlaunch.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.driver.VmmProcess;
import dev.vmlaunch.driver.qemu.QemuStopPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qemu's stop sequence over a real QMP socket (FakeQmpServer) against a guest whose power-button handler comes up
 * late, on a fake clock: waiting for the VMM advances the clock instead of sleeping, so a 60 s stop runs at once.
 */
class PowerButtonStopTest {
    @TempDir
    java.nio.file.Path dir;

    /** Fake nanoTime, advanced by {@link Guest#awaitExit}. */
    final AtomicLong now = new AtomicLong();

    final List<String> presses = new CopyOnWriteArrayList<>();
    FakeQmpServer server;

    /**
     * A guest that listens to its power button from {@code handlerUpAt} on and powers off {@code shutdownTakes}
     * after a press it heard; QMP quit ends it at once.
     */
    final class Guest implements VmmProcess {
        final long handlerUpAt;
        final long shutdownTakes;
        volatile Long offAt;
        volatile boolean quit;

        Guest(Duration handlerUpAt, Duration shutdownTakes) {
            this.handlerUpAt = handlerUpAt.toNanos();
            this.shutdownTakes = shutdownTakes.toNanos();
        }

        void pressed() {
            presses.add(String.format(java.util.Locale.ROOT, "%.1f", now.get() / 1e9));
            if (now.get() >= handlerUpAt && offAt == null) {
                offAt = now.get() + shutdownTakes;
            }
        }

        @Override
        public long pid() {
            return 4242;
        }

        @Override
        public boolean isAlive() {
            return !quit && (offAt == null || now.get() < offAt);
        }

        @Override
        public boolean awaitExit(Duration timeout) {
            if (!isAlive()) {
                return true;
            }
            long until = now.get() + timeout.toNanos();
            if (offAt != null && offAt <= until) {
                now.set(offAt);
                return true;
            }
            now.set(until);
            return false;
        }

        @Override
        public void terminate() {
            throw new AssertionError("SIGTERM");
        }

        @Override
        public void kill() {
            throw new AssertionError("SIGKILL");
        }
    }

    Guest guest(Duration handlerUpAt, Duration shutdownTakes) throws Exception {
        Guest g = new Guest(handlerUpAt, shutdownTakes);
        server = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            JsonNode r = peer.request();
            String cmd = r.path("execute").asText();
            if (cmd.equals("system_powerdown")) {
                g.pressed();
                peer.reply(r, "{}");
            } else if (cmd.equals("quit")) {
                presses.add("quit");
                g.quit = true;
                peer.reply(r, "{}");
                peer.hangUp();
            }
        });
        return g;
    }

    @AfterEach
    void close() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aPressBeforeTheHandlerIsUpIsRepeatedUntilTheGuestPowersOff() throws Exception {
        Guest g = guest(Duration.ofSeconds(7), Duration.ofMillis(1500));
        List<String> log = new CopyOnWriteArrayList<>();
        String how = QemuStopPolicy.of(server.socket(), false, now::get).stop(g, Duration.ofSeconds(60), log::add);
        assertEquals("power button pressed 4 times; guest powered off after 10.5 s", how);
        assertEquals(List.of("0.0", "3.0", "6.0", "9.0"), presses);
        assertEquals(List.of(), log);
    }

    @Test
    void aGuestListeningAtOnceNeedsOnePress() throws Exception {
        Guest g = guest(Duration.ZERO, Duration.ofMillis(1200));
        String how = QemuStopPolicy.of(server.socket(), false, now::get).stop(g, Duration.ofSeconds(60), m -> {});
        assertEquals("power button pressed once; guest powered off after 1.2 s", how);
        assertEquals(List.of("0.0"), presses);
    }

    @Test
    void aGuestThatNeverListensIsPressedWithinTheTimeoutOnlyThenQuit() throws Exception {
        Guest g = guest(Duration.ofDays(1), Duration.ZERO);
        List<String> log = new CopyOnWriteArrayList<>();
        String how = QemuStopPolicy.of(server.socket(), false, now::get).stop(g, Duration.ofSeconds(10), log::add);
        assertEquals("quit", how);
        assertEquals(List.of("0.0", "3.0", "6.0", "9.0", "quit"), presses);
        assertEquals(List.of("system_powerdown: still running after 10 s (sent 4 times)"), log);
        assertEquals(10_000_000_000L, now.get(), "the power button had exactly its step's time");
    }

    @Test
    void forceSkipsThePowerButton() throws Exception {
        Guest g = guest(Duration.ZERO, Duration.ZERO);
        assertEquals(
                "quit", QemuStopPolicy.of(server.socket(), true, now::get).stop(g, Duration.ofSeconds(10), m -> {}));
        assertEquals(List.of("quit"), presses);
    }
}
