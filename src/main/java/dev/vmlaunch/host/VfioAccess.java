package dev.vmlaunch.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;

/**
 * A VFIO group node this user cannot open: what its owner and mode are, and the udev rule that gives it to the user
 * for good (udev recreates /dev/vfio/N on every bind, so a chown lasts only until then). The container
 * /dev/vfio/vfio is 0666 by default and needs nothing.
 */
public final class VfioAccess {
    static final String RULES = "/etc/udev/rules.d/70-vmlaunch-vfio.rules";
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}\\$?");

    private VfioAccess() {}

    /** The exact rule line for group {@code group} and user {@code user}. */
    public static String udevRule(int group, String user) {
        return "SUBSYSTEM==\"vfio\", KERNEL==\"" + group + "\", OWNER=\"" + user + "\", MODE=\"0600\"";
    }

    static Problem problem(Path node, int group, String user) {
        String who = USER.matcher(user).matches() ? user : "USER";
        String seen;
        try {
            PosixFileAttributes a = Files.readAttributes(node, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            seen = "owner " + a.owner().getName() + ", group " + a.group().getName() + ", mode "
                    + PosixFilePermissions.toString(a.permissions());
        } catch (IOException | UnsupportedOperationException e) {
            seen = "its attributes cannot be read";
        }
        return Problem.error(
                "this user (" + who + ") cannot open " + node + " (" + seen + ")",
                "run as root, or give the group to this user with a udev rule: put the line\n    "
                        + udevRule(group, who) + "\n  in " + RULES + ", then 'sudo udevadm control --reload' and "
                        + "'sudo udevadm trigger --subsystem-match=vfio'");
    }
}
