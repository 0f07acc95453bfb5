package dev.vmlaunch.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The 9p agent: installed in the share before boot, started by the guest's init (vmlaunch.* kernel parameters). */
final class AgentDriver implements GuestDriver {
    private final GuestAgent agent;
    private final String shareTag;

    AgentDriver(Path share, String guest, String shareTag) {
        this.agent = GuestAgent.install(share, guest);
        this.shareTag = shareTag;
    }

    @Override
    public String kernelArgs() {
        return agent.kernelArgs(shareTag);
    }

    @Override
    public GuestAgent.Announcement awaitReady(HarnessGuests.RunningGuest guest, Duration timeout)
            throws InterruptedException {
        return agent.awaitAnnouncement(timeout, guest::isAlive);
    }

    @Override
    public GuestAgent.CommandResult run(String workload, Duration timeout, BooleanSupplier alive)
            throws InterruptedException {
        return agent.run(workload, timeout, alive);
    }

    @Override
    public void finish() {
        agent.stop();
    }

    @Override
    public void close() {
        // Files only: nothing is held open between calls.
    }
}
