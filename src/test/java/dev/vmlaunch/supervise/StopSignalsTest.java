package dev.vmlaunch.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StopSignalsTest {
    @TempDir
    Path tmp;

    @Test
    void readsWhichSignalsTheProcessWasStartedWithIgnored() throws Exception {
        // The shape of /proc/PID/status under `nohup`: SigIgn has bit 0 (SIGHUP) set.
        Path status = tmp.resolve("status");
        Files.writeString(
                status,
                "Name:\tjava\nSigQ:\t0/15398\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
                        + "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000001\nSigCgt:\t0000000000004442\n");
        assertEquals(1L, StopSignals.ignoredMask(status));
        Files.writeString(status, "SigIgn:\tffffffff00000000\n");
        assertEquals(0xffffffff00000000L, StopSignals.ignoredMask(status));
        assertEquals(0L, StopSignals.ignoredMask(tmp.resolve("missing")));
    }

    @Test
    void namesTheSignalTheWayAUserKnowsIt() {
        assertEquals("Ctrl-C", StopSignals.describe("INT"));
        assertEquals("SIGTERM", StopSignals.describe("TERM"));
        assertEquals("SIGHUP", StopSignals.describe("HUP"));
    }
}
