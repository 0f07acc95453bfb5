package dev.vmlaunch.lkvm;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The kvmtool guests on this host, found the way {@code lkvm list} finds them: every {@code *.sock} in
 * {@code ~/.lkvm}, asked for its PID and VMSTATE. A socket that refuses has no kvmtool behind it any more (a
 * "ghost" in kvmtool's words); like kvmtool we remove it, and say so.
 */
public final class LkvmInstances {

    /**
     * One socket's answer.
     *
     * @param pid   kvmtool's pid, or -1 when it did not answer
     * @param state null when it did not answer
     * @param dead  the socket refused and was removed
     * @param error why it did not answer, when it did not
     */
    public record Instance(String name, Path socket, long pid, LkvmIpc.VmState state, boolean dead, String error) {
        public boolean answered() {
            return state != null;
        }
    }

    private LkvmInstances() {}

    public static List<Instance> scan(Path dir, Duration timeout) {
        List<Instance> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> sockets = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.sock")) {
            ds.forEach(sockets::add);
        } catch (IOException e) {
            return out;
        }
        sockets.sort(null);
        for (Path s : sockets) {
            out.add(query(s, timeout));
        }
        return out;
    }

    public static Instance query(Path socket, Duration timeout) {
        String file = socket.getFileName().toString();
        String name = file.endsWith(".sock") ? file.substring(0, file.length() - 5) : file;
        try (LkvmIpc ipc = LkvmIpc.connect(socket, timeout)) {
            long pid = ipc.pid();
            LkvmIpc.VmState st = ipc.vmState();
            return new Instance(name, socket, pid, st, false, null);
        } catch (ConnectException refused) {
            boolean removed;
            try {
                removed = Files.deleteIfExists(socket);
            } catch (IOException e) {
                removed = false;
            }
            return new Instance(
                    name,
                    socket,
                    -1,
                    null,
                    true,
                    removed ? "dead socket (no kvmtool behind it), removed" : "dead socket (no kvmtool behind it)");
        } catch (IOException e) {
            return new Instance(name, socket, -1, null, false, String.valueOf(e.getMessage()));
        }
    }
}
