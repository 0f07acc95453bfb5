package dev.vmlaunch.config;

/**
 * QEMU's 9p {@code security_model} for a share: what the host sees when the guest creates files, links and nodes.
 * {@code mapped-xattr} and {@code mapped-file} keep the guest's symlinks, FIFOs, device nodes, modes and owners as
 * metadata (xattrs, or files under {@code .virtfs_metadata}), so the host only ever sees regular files and
 * directories; {@code passthrough} and {@code none} create real ones. kvmtool's --9p has no such choice (it behaves
 * like {@code none}).
 */
public enum ShareSecurity implements JsonEnum {
    MAPPED_XATTR("mapped-xattr"),
    MAPPED_FILE("mapped-file"),
    PASSTHROUGH("passthrough"),
    NONE("none");

    private final String json;

    ShareSecurity(String json) {
        this.json = json;
    }

    @Override
    public String json() {
        return json;
    }

    /**
     * The default: a writable share is mapped (a guest cannot plant a real link or setuid file on the host); a
     * read-only one is {@code none}, since the guest can create nothing there and the host's own symlinks (a merged
     * /usr root over 9p: /bin -> usr/bin) only work unmapped.
     */
    public static ShareSecurity defaultFor(boolean readonly) {
        return readonly ? NONE : MAPPED_XATTR;
    }

    /** Whether the host may find real symlinks, FIFOs or device nodes the guest made. */
    public boolean guestMakesRealNodes() {
        return this == PASSTHROUGH || this == NONE;
    }
}
