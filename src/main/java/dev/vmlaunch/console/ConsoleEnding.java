package dev.vmlaunch.console;

import java.util.Optional;

/**
 * What the guest kernel said last about how it ends, read from its console. kvmtool boots Linux with
 * {@code reboot=k panic=1} and ends "KVM session ended normally" on a guest reboot as on a power-off, so its exit
 * status alone cannot tell a panic or a reboot from a shutdown; the kernel's own lines can:
 * {@code "Kernel panic - not syncing: ..."} (panic(), kernel/panic.c), {@code "reboot: Restarting system"} and
 * {@code "reboot: Power down"} (arch/x86/kernel/reboot.c, kernel/reboot.c; arm64 prints the same via
 * machine_restart/machine_power_off's pr_emerg). The console is the guest's to write: this says what the guest
 * printed, nothing more.
 */
public enum ConsoleEnding {
    POWER_OFF("reboot: Power down"),
    REBOOT("reboot: Restarting system"),
    PANIC("Kernel panic - not syncing");

    /**
     * What a console watch saw: {@code ending} and its {@code line} are null when the kernel said none of its lines.
     * {@link #UNWATCHED}: nobody read the console (a foreground run keeps the terminal).
     */
    public record Seen(boolean watched, ConsoleEnding ending, String line) {
        public static final Seen UNWATCHED = new Seen(false, null, null);
    }

    private final String marker;

    ConsoleEnding(String marker) {
        this.marker = marker;
    }

    public String marker() {
        return marker;
    }

    /** The ending a console line announces, if it is one of the kernel's lines. */
    public static Optional<ConsoleEnding> of(String line) {
        for (ConsoleEnding e : values()) {
            if (line.contains(e.marker)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * Folds one more line into what was seen so far: a panic stays a panic (panic=1 reboots after it, and that
     * reboot's line follows), otherwise the newest line wins (a guest that rebooted and then powered off in one
     * session cannot happen under kvmtool, but the last word is the honest one).
     */
    public static ConsoleEnding fold(ConsoleEnding sofar, String line) {
        Optional<ConsoleEnding> e = of(line);
        if (e.isEmpty() || sofar == PANIC) {
            return sofar;
        }
        return e.get();
    }
}
