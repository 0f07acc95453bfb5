package dev.vmlaunch.harness;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.drivers.VmmDrivers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The harness without an agent: it attaches to the guest's console, waits for the shell (logging in when asked),
 * mounts the share, and types each snapshot and the workload as a fenced command ({@link ConsoleSession}). Nothing
 * is added to the guest's kernel command line and nothing is written into its share, so an unmodified image works.
 */
final class ConsoleDriver implements GuestDriver {
    private static final Duration RETRY = Duration.ofMillis(200);
    /** The commands it types besides the workload, each with {@link ConsoleSpec#commandTimeout()}. */
    static final int COMMANDS = 7;

    private final GuestSpec guest;
    private final String shareTag;
    private final ConsoleSpec spec;
    private ConsoleSession session;

    ConsoleDriver(GuestSpec guest, String shareTag, ConsoleSpec spec) {
        this.guest = guest;
        this.shareTag = shareTag;
        this.spec = spec;
    }

    @Override
    public String kernelArgs() {
        return "";
    }

    @Override
    public GuestAgent.Announcement awaitReady(HarnessGuests.RunningGuest running, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path socket = running.consoleSocket()
                .orElseThrow(() -> VmlaunchException.failure("guest \"" + guest.name()
                        + "\" has no console socket for the console driver: "
                        + VmmDrivers.of(guest.vmm()).noConsoleSocketReason()));
        session = new ConsoleSession(connect(socket, running, deadline), guest.name(), running::isAlive);
        session.awaitShell(spec.prompt(), spec.login(), remaining(deadline));
        FencedBlockReader.Block mount = session.fenced(
                ConsoleCommands.mount(shareTag, spec.mountPoint(), spec.mountOptions()), spec.commandTimeout());
        ConsoleCommands.problem("mounting the share " + shareTag + " at " + spec.mountPoint(), mount)
                .ifPresent(p -> {
                    throw VmlaunchException.failure("guest \"" + guest.name() + "\": " + p);
                });
        FencedBlockReader.Block identity = checked("uname", ConsoleCommands.IDENTITY);
        FencedBlockReader.Block devices = checked("listing its PCI devices", ConsoleCommands.DEVICES);
        return ConsoleCommands.announcement(identity, devices);
    }

    @Override
    public GuestAgent.CommandResult run(String workload, Duration timeout, BooleanSupplier alive)
            throws InterruptedException {
        if (session == null) {
            throw new IllegalStateException("run before awaitReady");
        }
        String what = "the console snapshots of guest \"" + guest.name() + "\"";
        String irqBefore = ConsoleCommands.interruptsText(checked("cat /proc/interrupts", ConsoleCommands.INTERRUPTS));
        String msiBefore = ConsoleCommands.msiText(checked("reading msi_irqs", ConsoleCommands.MSI));
        FencedBlockReader.Block w = session.fenced(ConsoleCommands.workload(spec.mountPoint(), workload), timeout);
        String irqAfter = ConsoleCommands.interruptsText(checked("cat /proc/interrupts", ConsoleCommands.INTERRUPTS));
        String msiAfter = ConsoleCommands.msiText(checked("reading msi_irqs", ConsoleCommands.MSI));
        return new GuestAgent.CommandResult(
                1,
                w.status(),
                w.text(),
                irqBefore,
                irqAfter,
                GuestAgent.msi(msiBefore, what),
                GuestAgent.msi(msiAfter, what));
    }

    private FencedBlockReader.Block checked(String what, String command) throws InterruptedException {
        FencedBlockReader.Block b = session.fenced(command, spec.commandTimeout());
        Optional<String> p = ConsoleCommands.problem(what, b);
        if (p.isPresent()) {
            throw VmlaunchException.failure("guest \"" + guest.name() + "\": " + p.get());
        }
        return b;
    }

    /** The socket exists once the VMM runs, but a client may connect a moment before it listens: retry until due. */
    private ConsoleChannel connect(Path socket, HarnessGuests.RunningGuest running, long deadline)
            throws InterruptedException {
        while (true) {
            try {
                return UnixConsoleChannel.connect(socket);
            } catch (IOException e) {
                if (!running.isAlive()) {
                    throw VmlaunchException.failure("guest \"" + guest.name() + "\" ended before its console could be "
                            + "reached" + running.ended().map(h -> ": " + h).orElse(""));
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw VmlaunchException.failure("cannot connect to the console of guest \"" + guest.name() + "\" ("
                            + socket + "): " + e.getMessage());
                }
                Thread.sleep(RETRY.toMillis());
            }
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    @Override
    public void finish() {
        // Nothing to ask of the guest: its shell stays, as it was before.
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
    }
}
