package dev.vmlaunch.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.PciAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jnr-ffi calls against the real libc and kernel of a host without VFIO: errno comes back, integer and
 * pointer arguments reach the kernel, the kernel's writes come back, and fds are closed. The VFIO ioctls
 * themselves need /dev/vfio (see the lab guest run).
 */
class JnrSyscallsIT {
    private static final PciAddress BDF = PciAddress.parse("0000:00:02.0");
    // asm-generic/ioctls.h, the same on x86_64 and aarch64.
    private static final long TCFLSH = 0x540B;
    private static final long FIONREAD = 0x541B;

    private final VfioSyscalls sys = new JnrVfioProbe.LibcSyscalls();

    @Test
    void aHostWithoutVfioNodesGetsTheModprobeAdvice(@TempDir Path dev) {
        VfioException e =
                assertThrows(VfioException.class, () -> VfioProbe.system(dev).probe(4, BDF));

        assertEquals(VfioStep.OPEN_CONTAINER, e.step());
        assertEquals(Errno.ENOENT.number(), e.errno());
        assertTrue(e.getMessage().startsWith(dev.resolve("vfio/vfio") + " does not exist"), e.getMessage());
    }

    @Test
    void aFileThatIsNotAVfioNodeAnswersEnottyAndIsClosedAgain(@TempDir Path dev) throws IOException {
        Path fake = Files.createDirectories(dev.resolve("vfio")).resolve("vfio");
        Files.writeString(fake, "not a device");

        VfioException e =
                assertThrows(VfioException.class, () -> VfioProbe.system(dev).probe(4, BDF));

        assertEquals(VfioStep.GET_API_VERSION, e.step());
        assertEquals(Errno.ENOTTY.number(), e.errno());
        assertEquals(List.of(), fdsOpenOn(fake), "the container fd was closed");
    }

    @Test
    void anIntegerArgumentReachesTheKernel() {
        int fd = sys.open("/dev/ptmx", VfioAbi.O_RDWR | VfioAbi.O_CLOEXEC);
        assertTrue(fd >= 0, "open /dev/ptmx: " + Errno.describe(-fd));
        try {
            assertEquals(0, sys.ioctl(fd, TCFLSH, 0L), "TCIFLUSH is a valid queue selector");
            assertEquals(-Errno.EINVAL.number(), sys.ioctl(fd, TCFLSH, 99L), "99 is not");
        } finally {
            assertEquals(0, sys.close(fd));
        }
        assertEquals(-Errno.EBADF.number(), sys.close(fd), "closed once, the fd is gone");
    }

    @Test
    void theKernelsWritesComeBackThroughTheByteArray(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder(List.of("mkfifo", fifo.toString()))
                .inheritIO()
                .start();
        assertTrue(mkfifo.waitFor(1, TimeUnit.MINUTES));
        assertEquals(0, mkfifo.exitValue());
        int fd = sys.open(fifo.toString(), VfioAbi.O_RDWR | VfioAbi.O_CLOEXEC);
        assertTrue(fd >= 0, Errno.describe(-fd));
        try {
            Files.write(fifo, new byte[5]); // our O_RDWR fd is a reader, so this does not block
            byte[] pending = {-1, -1, -1, -1};

            assertEquals(0, sys.ioctl(fd, FIONREAD, pending));

            assertEquals(
                    5, ByteBuffer.wrap(pending).order(ByteOrder.nativeOrder()).getInt());
        } finally {
            sys.close(fd);
        }
    }

    @Test
    void aMissingPathIsEnoent(@TempDir Path dir) {
        assertEquals(-Errno.ENOENT.number(), sys.open(dir.resolve("nothing").toString(), VfioAbi.O_RDWR));
    }

    private static List<Path> fdsOpenOn(Path file) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).equals(file);
                        } catch (IOException e) {
                            return false; // the fd of the listing itself, already gone
                        }
                    })
                    .toList();
        }
    }
}
