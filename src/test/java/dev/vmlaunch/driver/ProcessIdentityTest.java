package dev.vmlaunch.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessIdentityTest {
    private static final String STAT_TAIL = " 1 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 1000 100";

    @Test
    void readsTheStartTimeAfterACommandNameWithSpacesAndParentheses() {
        Optional<ProcessIdentity> id = ProcessIdentity.parseStat(42, "42 (qemu (x) y) S" + STAT_TAIL);
        assertEquals(Optional.of(new ProcessIdentity(42, 987654)), id);
    }

    @Test
    void aZombieIsNoProcess() {
        assertTrue(ProcessIdentity.parseStat(42, "42 (qemu) Z" + STAT_TAIL).isEmpty());
    }

    @Test
    void thisProcessIsAliveAndAnotherStartTimeIsNotIt() {
        ProcessIdentity me = ProcessIdentity.current();
        assertTrue(me.isAlive());
        assertFalse(
                new ProcessIdentity(me.pid(), me.startTicks() + 1).isAlive(),
                "a pid with another start time is another process (a reused pid)");
    }

    @Test
    void anEndedProcessIsNotAlive() throws Exception {
        Process p = new ProcessBuilder(List.of("sleep", "30")).start();
        ProcessIdentity id = ProcessIdentity.of(p.pid()).orElseThrow();
        assertTrue(id.isAlive());
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        assertFalse(id.isAlive());
        assertTrue(ProcessIdentity.of(p.pid()).isEmpty()
                || !ProcessIdentity.of(p.pid()).get().equals(id));
    }

    @Test
    void theBootIdIsAUuid() {
        assertTrue(ProcessIdentity.bootId().matches("[0-9a-f-]{36}"), ProcessIdentity.bootId());
    }
}
