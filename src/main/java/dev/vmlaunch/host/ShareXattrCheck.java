package dev.vmlaunch.host;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.ShareSecurity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;

/**
 * A writable qemu share with 9p {@code security: mapped-xattr} keeps what the guest creates in user extended
 * attributes. On a file system without them (tmpfs before Linux 6.6, some network file systems) QEMU still starts,
 * but every file the guest creates there fails, so a harness agent never announces: say so before launch.
 */
final class ShareXattrCheck {
    private static final String PROBE = "vmlaunch.xattr-probe";

    private ShareXattrCheck() {}

    static List<Problem> problemsFor(GuestSpec spec, VmmHostProfile vmm) {
        List<Problem> out = new ArrayList<>();
        if (!vmm.honoursShareSecurity()) {
            return out;
        }
        for (GuestSpec.Share s : spec.shares()) {
            if (s.readonly()
                    || s.security() != ShareSecurity.MAPPED_XATTR
                    || !Files.isDirectory(s.path(), LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            String why = probe(s);
            if (why != null) {
                out.add(Problem.error(
                        "share " + s.path() + " (tag " + s.tag() + ") is on a file system without user "
                                + "extended attributes (" + why
                                + "), which 9p security mapped-xattr needs: the guest could "
                                + "not create files in it",
                        "set \"security\": \"mapped-file\" on that share, or move it to a "
                                + "file system with user xattrs (tmpfs has them from Linux 6.6)"));
            }
        }
        return out;
    }

    /** Null when a user xattr can be set (and is removed again) on the share's folder, else why not. */
    private static String probe(GuestSpec.Share s) {
        UserDefinedFileAttributeView v =
                Files.getFileAttributeView(s.path(), UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (v == null) {
            return "no user attribute view";
        }
        try {
            v.write(PROBE, ByteBuffer.wrap(new byte[] {'1'}));
            v.delete(PROBE);
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }
}
