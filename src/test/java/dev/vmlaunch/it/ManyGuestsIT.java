package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.supervise.GuestState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Twenty real QEMUs ({@code -machine none}) under twenty supervisors: started, listed, stopped with --all. */
class ManyGuestsIT {
    private static final int GUESTS = 20;
    /** Launches at once: enough to overlap, few enough for a 2-core machine shared with other work. */
    private static final int BATCH = 4;

    @TempDir
    Path tmp;

    SupervisionEnv env;

    @BeforeEach
    void setUp() throws Exception {
        env = new SupervisionEnv(tmp);
    }

    @AfterEach
    void tearDown() throws Exception {
        env.close();
    }

    @Test
    void twentyGuestsAreStartedListedAndStopped() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < GUESTS; i++) {
            names.add(String.format("many-%02d", i));
        }
        for (int i = 0; i < GUESTS; i += BATCH) {
            List<VmlaunchProcess> batch = new ArrayList<>();
            for (String n : names.subList(i, Math.min(GUESTS, i + BATCH))) {
                batch.add(VmlaunchProcess.start(
                        env.env(), "run", "-d", env.noneGuest(n).toString()));
            }
            for (VmlaunchProcess p : batch) {
                assertEquals(0, p.waitFor(Duration.ofMinutes(2)), p.transcript());
            }
        }

        Map<String, JsonNode> listed = env.list(false);
        assertEquals(new HashSet<>(names), listed.keySet());
        Set<Long> pids = new HashSet<>();
        long rssKb = 0;
        for (String n : names) {
            JsonNode g = listed.get(n);
            assertEquals("running", g.path("state").asText(), n);
            assertTrue(g.path("supervised").asBoolean(), n);
            GuestState s = env.state(n);
            assertEquals(s.pid(), g.path("pid").asLong());
            assertTrue(SupervisionEnv.alive(s.pid(), s.pidStart()), n);
            pids.add(s.pid());
            rssKb += vmRssKb(s.supervisorPid());
        }
        assertEquals(GUESTS, pids.size());
        System.out.println("supervisor VmRSS, mean of " + GUESTS + ": " + rssKb / GUESTS + " kB");

        long t0 = System.nanoTime();
        VmlaunchProcess stop = env.vmlaunch("stop", "--all", "--force");
        System.out.println(
                "stop --all --force of " + GUESTS + " guests: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertEquals(0, stop.exitCode(), stop.transcript());
        assertEquals(GUESTS, stop.stdout().size(), stop.transcript());

        assertEquals(Map.of(), env.list(false));
        Map<String, JsonNode> ended = env.list(true);
        for (String n : names) {
            assertEquals("stopped", ended.get(n).path("state").asText(), n);
            assertEquals("host-stop", ended.get(n).path("exit").path("how").asText(), n);
            GuestState s = env.state(n);
            assertFalse(SupervisionEnv.alive(s.pid(), s.pidStart()), n);
            assertEquals(List.of(), env.sockets(n), n);
        }
    }

    static long vmRssKb(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
