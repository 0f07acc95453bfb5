package dev.vmlaunch.harness;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the console driver works a guest's shell (docs/harness-json.md, "The console driver").
 *
 * @param prompt         found in the console's unfinished last line when the shell waits for a command
 * @param login          the login to type when a login prompt shows first; empty when the console is a shell already
 * @param mountPoint     where the share is mounted in the guest (the workload's working directory)
 * @param mountOptions   the 9p mount's {@code -o} options
 * @param commandTimeout for each command the driver types itself (mount, snapshots), not the workload
 */
public record ConsoleSpec(
        Pattern prompt, Optional<Login> login, String mountPoint, String mountOptions, Duration commandTimeout) {
    public static final Pattern DEFAULT_PROMPT = Pattern.compile("[#$] $");
    public static final ConsoleSpec DEFAULT =
            new ConsoleSpec(DEFAULT_PROMPT, Optional.empty(), "/mnt", "trans=virtio", Duration.ofSeconds(60));

    /**
     * @param password       null when the user has none (no password prompt is expected)
     * @param userPrompt     the login prompt, e.g. {@code login: $}
     * @param passwordPrompt the password prompt, e.g. {@code [Pp]assword: $}
     */
    public record Login(String user, String password, Pattern userPrompt, Pattern passwordPrompt) {
        public static final Pattern DEFAULT_USER_PROMPT = Pattern.compile("login: $");
        public static final Pattern DEFAULT_PASSWORD_PROMPT = Pattern.compile("[Pp]assword: $");
    }

    /** A guest's driver and, for the console driver, its settings. */
    public record Choice(GuestDriverKind kind, ConsoleSpec console) {
        public static final Choice AGENT = new Choice(GuestDriverKind.AGENT, DEFAULT);
    }
}
