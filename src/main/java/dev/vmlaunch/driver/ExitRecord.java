package dev.vmlaunch.driver;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a guest ended, as recorded in state.json.
 *
 * @param how    one of the {@code HOW_*} constants
 * @param status the VMM's exit status, null when unknown (not our child, or killed by a signal)
 * @param signal the signal that killed the VMM, null when none
 * @param detail one line for a person ("SHUTDOWN reason guest-shutdown", "killed by signal 9 (SIGKILL)")
 * @param at     ISO-8601 instant
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExitRecord(String how, Integer status, Integer signal, String detail, String at) {
    /** The guest powered itself off (or rebooted with -no-reboot): QMP SHUTDOWN with guest=true. */
    public static final String GUEST_SHUTDOWN = "guest-shutdown";
    /** The guest rebooted, which ends a kvmtool guest (it boots Linux with reboot=k): its console said so. */
    public static final String GUEST_REBOOT = "guest-reboot";
    /** vmlaunch stop (or Ctrl-C of a foreground run), or a host-side quit/SIGTERM from outside vmlaunch. */
    public static final String HOST_STOP = "host-stop";
    /** The VMM was killed by a signal nobody at vmlaunch asked for. */
    public static final String CRASH_SIGNAL = "crash-signal";
    /** The guest kernel panicked (QMP GUEST_PANICKED; for kvmtool, "Kernel panic - not syncing" on its console). */
    public static final String PANIC = "panic";
    /** The VMM exited with an error status. */
    public static final String VMM_ERROR = "vmm-error";
    /** The VMM never became ready (it failed, or did not answer in time). */
    public static final String START_FAILED = "start-failed";
    /** The VMM is gone and nobody saw it end (the supervisor was killed too, or the host rebooted). */
    public static final String LOST = "lost";

    /** Whether this way of ending leaves the guest "crashed" rather than "stopped". */
    public boolean crashed() {
        return switch (how) {
            case GUEST_SHUTDOWN, GUEST_REBOOT, HOST_STOP -> false;
            default -> true;
        };
    }

    public Lifecycle lifecycle() {
        return crashed() ? Lifecycle.CRASHED : Lifecycle.STOPPED;
    }
}
