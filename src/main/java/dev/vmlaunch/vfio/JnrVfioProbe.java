package dev.vmlaunch.vfio;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.annotations.Variadic;
import jnr.ffi.types.u_int64_t;

/**
 * The real probe: libc's open, close and ioctl through jnr-ffi. The only class that touches jnr; it is loaded
 * by name from {@link VfioProbe#system} so nothing else pulls jnr in.
 */
public final class JnrVfioProbe implements VfioProbe {
    private final VfioProbe probe;

    public JnrVfioProbe(Path devRoot) {
        this.probe = new SyscallVfioProbe(devRoot, Libc.SYSCALLS, VfioStructs.NATIVE);
    }

    /** Binding libc generates classes; do it once per JVM, on first use. */
    private static final class Libc {
        static final LibcSyscalls SYSCALLS = new LibcSyscalls();
    }

    @Override
    public VfioReport probe(int groupId, PciAddress device) {
        return probe.probe(groupId, device);
    }

    /** ioctl(2) and open(2) are variadic in C; @Variadic makes jnr call them with the variadic convention. */
    public interface LibC {
        @SaveError
        @Variadic(fixedCount = 2)
        int open(String path, int flags);

        @SaveError
        int close(int fd);

        @SaveError
        @Variadic(fixedCount = 2)
        int ioctl(int fd, @u_int64_t long request, long arg);

        @SaveError
        @Variadic(fixedCount = 2)
        int ioctl(int fd, @u_int64_t long request, @In @Out byte[] arg);
    }

    /** Package-private so JnrSyscallsIT can exercise the native calls on any host. */
    static final class LibcSyscalls implements VfioSyscalls {
        private final LibC libc;
        private final Runtime runtime;

        LibcSyscalls() {
            libc = LibraryLoader.create(LibC.class)
                    .option(LibraryOption.SaveError, true)
                    .failImmediately()
                    .load(Platform.getNativePlatform().getStandardCLibraryName());
            runtime = Runtime.getRuntime(libc);
        }

        @Override
        public int open(String path, int flags) {
            return result(libc.open(path, flags));
        }

        @Override
        public int close(int fd) {
            return result(libc.close(fd));
        }

        @Override
        public int ioctl(int fd, long request, long arg) {
            return result(libc.ioctl(fd, request, arg));
        }

        @Override
        public int ioctl(int fd, long request, byte[] inOut) {
            return result(libc.ioctl(fd, request, inOut));
        }

        private int result(int r) {
            if (r >= 0) {
                return r;
            }
            int errno = LastError.getLastError(runtime);
            // A failed call always sets errno; 0 here would be a lost errno, reported as EIO rather than success.
            return errno > 0 ? -errno : -Errno.EIO.number();
        }
    }
}
