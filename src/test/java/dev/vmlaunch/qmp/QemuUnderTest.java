package dev.vmlaunch.qmp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real QEMU with no machine and no devices, serving QMP on unix sockets in a test directory. Cheap to
 * start (no guest, no TCG work), so each test gets its own.
 */
final class QemuUnderTest implements AutoCloseable {
    static final String BINARY = "qemu-system-x86_64";

    private final Process process;
    private final Path log;
    private final List<Path> sockets;

    private QemuUnderTest(Process process, Path log, List<Path> sockets) {
        this.process = process;
        this.log = log;
        this.sockets = sockets;
    }

    /** Starts QEMU with one QMP monitor per socket name, each at {@code dir/name}. */
    static QemuUnderTest start(Path dir, String... socketNames) throws IOException {
        List<String> argv = new ArrayList<>(List.of(BINARY, "-M", "none", "-nodefaults", "-display", "none"));
        List<Path> sockets = new ArrayList<>();
        for (String name : socketNames) {
            Path socket = dir.resolve(name);
            sockets.add(socket);
            argv.add("-qmp");
            argv.add("unix:" + socket + ",server=on,wait=off");
        }
        Path log = dir.resolve("qemu.log");
        Process process = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new QemuUnderTest(process, log, sockets);
    }

    /** What {@code qemu-system-x86_64 --version} prints, to compare with the greeting. */
    static String versionBanner() throws IOException, InterruptedException {
        Process version = new ProcessBuilder(BINARY, "--version")
                .redirectErrorStream(true)
                .start();
        try {
            String out = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!version.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException(BINARY + " --version did not exit");
            }
            return out;
        } finally {
            version.destroyForcibly();
        }
    }

    Path socket(int index) {
        return sockets.get(index);
    }

    Process process() {
        return process;
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                // Kept as the thread's status: thrown from close() it could end up a suppressed exception, lost.
                Thread.currentThread().interrupt();
            }
        }
    }
}
