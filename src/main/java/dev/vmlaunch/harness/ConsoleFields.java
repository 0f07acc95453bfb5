package dev.vmlaunch.harness;

import dev.vmlaunch.config.Fields;
import dev.vmlaunch.config.Json;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code driver} and {@code console} members of a harness file or of one of its guest entries, validated
 * once here: every string the console driver types comes from these, so each is held to a shape that is one
 * shell word (or, for the prompts, a regular expression that compiles and cannot match an empty line).
 */
final class ConsoleFields {
    /** Busybox's line editor keeps 1024 bytes; the fences and the subshell around the workload take about 150. */
    static final int MAX_TYPED_WORKLOAD = 768;

    private static final Set<String> CONSOLE_FIELDS =
            Set.of("prompt", "login", "mountPoint", "mountOptions", "commandTimeout");
    private static final Set<String> LOGIN_FIELDS = Set.of("user", "password", "userPrompt", "passwordPrompt");
    private static final Pattern MOUNT_POINT = Pattern.compile("/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");
    private static final Pattern MOUNT_OPTIONS = Pattern.compile("[A-Za-z0-9_.=][A-Za-z0-9_.,=-]{0,199}");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}");
    private static final int MAX_PATTERN = 200;

    private ConsoleFields() {}

    /** The driver these fields choose; what is not given comes from {@code inherited}. */
    static ConsoleSpec.Choice choice(Fields f, ConsoleSpec.Choice inherited) {
        GuestDriverKind kind = f.enumValue("driver", GuestDriverKind.class).orElse(inherited.kind());
        Optional<Json> console = f.node("console");
        if (console.isEmpty()) {
            return new ConsoleSpec.Choice(kind, inherited.console());
        }
        if (kind != GuestDriverKind.CONSOLE) {
            f.error("console", "console settings apply to \"driver\": \"console\" only (this one uses the agent)");
            return new ConsoleSpec.Choice(kind, inherited.console());
        }
        return new ConsoleSpec.Choice(kind, console(f, console.get()));
    }

    private static ConsoleSpec console(Fields parent, Json node) {
        Optional<Fields> of = Fields.of(node, parent.pathOf("console"), parent.problems(), CONSOLE_FIELDS);
        if (of.isEmpty()) {
            return ConsoleSpec.DEFAULT;
        }
        Fields c = of.get();
        ConsoleSpec d = ConsoleSpec.DEFAULT;
        Pattern prompt = pattern(c, "prompt").orElse(d.prompt());
        Optional<ConsoleSpec.Login> login = login(c);
        String mountPoint = c.text("mountPoint")
                .filter(m -> {
                    if (!MOUNT_POINT.matcher(m).matches()
                            || m.contains("/../")
                            || m.endsWith("/..")
                            || m.contains("/./")) {
                        c.error(
                                "mountPoint",
                                "\"" + m + "\" is not an absolute path of letters, digits, '_', '.', '-' "
                                        + "(e.g. /mnt or /tmp/share)");
                        return false;
                    }
                    return true;
                })
                .orElse(d.mountPoint());
        String options = c.text("mountOptions")
                .filter(o -> {
                    if (!MOUNT_OPTIONS.matcher(o).matches()) {
                        c.error(
                                "mountOptions",
                                "\"" + o + "\" is not a 9p option list such as trans=virtio,version=9p2000.L");
                        return false;
                    }
                    return true;
                })
                .orElse(d.mountOptions());
        Duration command =
                c.integer("commandTimeout", 1, 3600).map(Duration::ofSeconds).orElse(d.commandTimeout());
        return new ConsoleSpec(prompt, login, mountPoint, options, command);
    }

    private static Optional<ConsoleSpec.Login> login(Fields c) {
        Optional<Json> n = c.node("login");
        if (n.isEmpty()) {
            return Optional.empty();
        }
        Optional<Fields> of = Fields.of(n.get(), c.pathOf("login"), c.problems(), LOGIN_FIELDS);
        if (of.isEmpty()) {
            return Optional.empty();
        }
        Fields l = of.get();
        l.require("user", "the user name to type at the login prompt");
        String user = l.text("user")
                .filter(u -> {
                    if (!USER.matcher(u).matches()) {
                        l.error("user", "\"" + u + "\" is not a user name (letters, digits, '_', '.', '-')");
                        return false;
                    }
                    return true;
                })
                .orElse(null);
        String password = l.text("password").orElse(null);
        Pattern userPrompt = pattern(l, "userPrompt").orElse(ConsoleSpec.Login.DEFAULT_USER_PROMPT);
        Pattern passwordPrompt = pattern(l, "passwordPrompt").orElse(ConsoleSpec.Login.DEFAULT_PASSWORD_PROMPT);
        return user == null
                ? Optional.empty()
                : Optional.of(new ConsoleSpec.Login(user, password, userPrompt, passwordPrompt));
    }

    private static Optional<Pattern> pattern(Fields f, String key) {
        Optional<String> s = f.text(key);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        if (s.get().length() > MAX_PATTERN) {
            f.error(key, "longer than " + MAX_PATTERN + " characters");
            return Optional.empty();
        }
        try {
            Pattern p = Pattern.compile(s.get());
            if (p.matcher("").find()) {
                f.error(
                        key,
                        "/" + s.get() + "/ matches an empty line, so it would match before the guest printed "
                                + "anything (end it with what the prompt ends with, e.g. \"[#$] $\")");
                return Optional.empty();
            }
            return Optional.of(p);
        } catch (PatternSyntaxException e) {
            f.error(key, "not a regular expression: " + e.getDescription() + " at index " + e.getIndex());
            return Optional.empty();
        }
    }
}
