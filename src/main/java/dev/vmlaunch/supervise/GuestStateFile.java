package dev.vmlaunch.supervise;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.state.AtomicWrite;
import dev.vmlaunch.state.RecordFiles;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reading and writing {@code state.json}. A write goes to a temp file that is synced and renamed over the old one,
 * so a reader (or a crash) sees the old state or the new one, never half. Reading never throws: an unreadable file
 * is a {@link Read#broken} result that {@code list} shows as such.
 */
public final class GuestStateFile {

    /** What reading found: a state, nothing, or a file that is not a valid state (with the reason). */
    public record Read(GuestState state, String brokenReason) {
        public static Read missing() {
            return new Read(null, null);
        }

        public boolean present() {
            return state != null;
        }

        public boolean broken() {
            return brokenReason != null;
        }
    }

    /** A state is well under a KiB; anything this large was not written by vmlaunch, and is not read whole. */
    static final int MAX_BYTES = 256 * 1024;

    private GuestStateFile() {}

    public static void write(Path file, GuestState state) throws IOException {
        AtomicWrite.replace(file, GuestStateJson.write(state));
    }

    /**
     * Reads {@code file} as others may have left it ({@link RecordFiles#read}): a symlink is not followed, nothing
     * but a regular file is opened, a FIFO cannot block the reader, and at most {@link #MAX_BYTES} are read.
     */
    public static Read read(Path file) {
        String name = file.getFileName().toString();
        byte[] bytes;
        try {
            bytes = RecordFiles.read(file, MAX_BYTES);
        } catch (NoSuchFileException e) {
            return Read.missing();
        } catch (RecordFiles.RefusedException e) {
            return broken(name + " " + e.getMessage());
        } catch (IOException e) {
            return broken("cannot read " + name + ": " + e.getMessage());
        }
        if (bytes.length == 0) {
            return broken(name + " is empty");
        }
        GuestState s;
        try {
            s = GuestStateJson.read(bytes);
        } catch (JsonProcessingException e) {
            return broken(name + " is not valid: " + firstLine(e.getOriginalMessage()));
        } catch (IOException | RuntimeException e) {
            return broken(name + " is not valid: " + firstLine(String.valueOf(e.getMessage())));
        }
        String problem = validate(s);
        return problem == null ? new Read(s, null) : broken(name + " " + problem);
    }

    private static Read broken(String reason) {
        return new Read(null, reason);
    }

    /** Fields everything else relies on; a file without them is as broken as a truncated one. */
    private static String validate(GuestState s) {
        if (s == null) {
            return "holds null";
        }
        if (s.name() == null || s.name().isEmpty()) {
            return "has no name";
        }
        if (VmmDrivers.named(s.vmm()).isEmpty()) {
            return "has an unknown vmm: " + s.vmm();
        }
        if (s.lifecycle().isEmpty()) {
            return "has an unknown state: " + s.state();
        }
        if (s.since() == null) {
            return "has no 'since'";
        }
        if ((s.pid() == null) != (s.pidStart() == null)) {
            return "has a pid without its start time";
        }
        return null;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
