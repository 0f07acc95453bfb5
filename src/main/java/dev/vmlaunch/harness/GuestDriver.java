package dev.vmlaunch.harness;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What the harness needs from a booted guest, whichever way it is reached: what the guest is (its announcement),
 * and a workload run between two snapshots of its interrupts. {@link AgentDriver} goes through the 9p agent,
 * {@link ConsoleDriver} types at the guest's console.
 */
interface GuestDriver extends AutoCloseable {
    /** Appended to the guest's kernel command line before it boots; empty for none. */
    String kernelArgs();

    /** Waits until the guest can take the workload and says what it has. */
    GuestAgent.Announcement awaitReady(HarnessGuests.RunningGuest guest, Duration timeout) throws InterruptedException;

    /** Runs the workload with the share as working directory, between snapshots of /proc/interrupts and msi_irqs. */
    GuestAgent.CommandResult run(String workload, Duration timeout, BooleanSupplier alive) throws InterruptedException;

    /** Done with the workload: the agent is asked to exit (a tampered stop file is reported by throwing). */
    void finish();

    /** Lets go of the guest without asking anything of it (the console connection); always called, never throws. */
    @Override
    void close();
}
