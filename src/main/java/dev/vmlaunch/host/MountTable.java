package dev.vmlaunch.host;

import java.util.ArrayList;
import java.util.List;

/**
 * /proc/self/mountinfo as records (proc(5)): {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE
 * SOURCE SUPEROPTS}. Space, tab, newline and backslash in paths are octal escapes.
 */
final class MountTable {
    /** {@code anonymous}: the kernel's 0:N device of btrfs, overlay, zfs, tmpfs and the like, which names no disk. */
    record Mount(String device, String mountPoint, String fsType, String source) {
        boolean anonymous() {
            return device.startsWith("0:");
        }

        /** "the root filesystem" or "the filesystem on /srv". */
        String describe() {
            return mountPoint.equals("/") ? "the root filesystem" : "the filesystem on " + mountPoint;
        }
    }

    private MountTable() {}

    static List<Mount> parse(List<String> lines) {
        List<Mount> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            out.add(new Mount(f[2], unescape(f[4]), f[dash + 1], unescape(f[dash + 2])));
        }
        return out;
    }

    static String unescape(String s) {
        return s.replace("\\040", " ")
                .replace("\\011", "\t")
                .replace("\\012", "\n")
                .replace("\\134", "\\");
    }
}
