package dev.vmlaunch.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopPolicyTest {
    private static final Duration STEP = Duration.ofMillis(100);

    /** Records what was asked of it and ends on the action named in {@code endsOn}. */
    static final class FakeVmm implements VmmProcess {
        final List<String> calls = new ArrayList<>();
        final String endsOn;
        boolean alive = true;

        FakeVmm(String endsOn) {
            this.endsOn = endsOn;
        }

        void on(String action) {
            calls.add(action);
            if (action.equals(endsOn)) {
                alive = false;
            }
        }

        @Override
        public long pid() {
            return 1;
        }

        @Override
        public boolean isAlive() {
            return alive;
        }

        @Override
        public boolean awaitExit(Duration timeout) {
            return !alive;
        }

        @Override
        public void terminate() {
            on("SIGTERM");
        }

        @Override
        public void kill() {
            on("SIGKILL");
        }
    }

    static StopPolicy.Step step(String name, boolean fails) {
        return new StopPolicy.Step() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean request(VmmProcess vmm, Duration budget) {
                if (fails) {
                    throw new IllegalStateException("no answer");
                }
                ((FakeVmm) vmm).on(name);
                return true;
            }
        };
    }

    @Test
    void stopsAtTheFirstStepThatWorks() {
        FakeVmm vmm = new FakeVmm("system_powerdown");
        String how =
                new StopPolicy(List.of(step("system_powerdown", false), step("quit", false))).stop(vmm, STEP, m -> {});
        assertEquals("system_powerdown", how);
        assertEquals(List.of("system_powerdown"), vmm.calls);
    }

    @Test
    void goesOnThroughQuitSigtermAndSigkill() {
        FakeVmm vmm = new FakeVmm("SIGKILL");
        List<String> log = new ArrayList<>();
        String how =
                new StopPolicy(List.of(step("system_powerdown", false), step("quit", true))).stop(vmm, STEP, log::add);
        assertEquals("SIGKILL", how);
        assertEquals(List.of("system_powerdown", "SIGTERM", "SIGKILL"), vmm.calls);
        assertEquals(
                List.of(
                        "system_powerdown: still running after 0.1 s",
                        "quit failed: no answer",
                        "SIGTERM: still running after 0.1 s, sending SIGKILL"),
                log);
    }

    /** A power button pressed every 2 s; its second press fails, and the VMM either ends right then or not. */
    private static List<String> secondPressFails(boolean vmmEndsThen) {
        FakeVmm vmm = new FakeVmm("none");
        long[] now = {0};
        StopPolicy.Step button = new StopPolicy.Step() {
            int presses;

            @Override
            public String name() {
                return "system_powerdown";
            }

            @Override
            public boolean request(VmmProcess v, Duration budget) {
                if (++presses == 2) {
                    vmm.alive = !vmmEndsThen;
                    throw new IllegalStateException("QMP socket q.sock did not appear within 3s");
                }
                return true;
            }

            @Override
            public Duration repeatEvery() {
                return Duration.ofSeconds(2);
            }
        };
        List<String> log = new ArrayList<>();
        // Every look at the clock is 1 s later: the step's 10 s allow a few presses.
        new StopPolicy(List.of(button), () -> now[0] += 1_000_000_000L).stop(vmm, Duration.ofSeconds(10), log::add);
        return log;
    }

    @Test
    void aRepeatThatFailsAsTheVmmEndsIsNotReported() {
        assertEquals(List.of(), secondPressFails(true));
    }

    @Test
    void aRepeatThatFailsWhileTheVmmRunsOnIsReported() {
        assertEquals(
                "system_powerdown (again) failed: QMP socket q.sock did not appear within 3s",
                secondPressFails(false).get(0));
    }

    @Test
    void aProcessAlreadyGoneNeedsNothing() {
        FakeVmm vmm = new FakeVmm("none");
        vmm.alive = false;
        assertEquals("already gone", new StopPolicy(List.of(step("quit", false))).stop(vmm, STEP, m -> {}));
        assertEquals(List.of(), vmm.calls);
    }
}
