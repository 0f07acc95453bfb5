package dev.vmlaunch.driver;

import java.util.Locale;
import java.util.Optional;

/** Where a guest is in its life, as {@code list} and state.json spell it. */
public enum Lifecycle {
    /** The supervisor is starting the VMM; not yet ready. */
    STARTING,
    RUNNING,
    /** vCPUs stopped (QMP STOP, kvmtool PAUSE); the VMM is alive. */
    PAUSED,
    /** Ended in an orderly way: the guest shut down, or it was stopped from the host. */
    STOPPED,
    /** Ended any other way: killed by a signal, a panic, the VMM failed, or it vanished unrecorded. */
    CRASHED;

    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean ended() {
        return this == STOPPED || this == CRASHED;
    }

    public static Optional<Lifecycle> fromJson(String s) {
        for (Lifecycle l : values()) {
            if (l.json().equals(s)) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }
}
