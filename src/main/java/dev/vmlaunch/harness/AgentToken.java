package dev.vmlaunch.harness;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The per-run, per-guest secret the agent signs its files with. It reaches the guest only on its kernel command line
 * (never through the share, which every guest mounting that folder can read), so another guest in the same folder
 * cannot produce files the host accepts as this guest's.
 */
final class AgentToken {
    /** The agent protocol this host speaks; version 2 added the signatures. */
    static final String PROTOCOL = "2";

    private static final SecureRandom RANDOM = new SecureRandom();

    private AgentToken() {}

    static String fresh() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
