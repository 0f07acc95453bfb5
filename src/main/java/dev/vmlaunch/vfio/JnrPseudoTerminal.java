package dev.vmlaunch.vfio;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.console.PseudoTerminal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * A pseudo-terminal through libc: {@code /dev/ptmx} opened close-on-exec (posix_openpt cannot say O_CLOEXEC),
 * grantpt, unlockpt, ptsname_r, and the slave set raw with cfmakeraw/tcsetattr, which is what openpty(3) does. It
 * lives here because this package is the project's one native boundary; {@link PseudoTerminal#open()} loads it by
 * name.
 */
public final class JnrPseudoTerminal implements PseudoTerminal {
    // Linux's generic values, the same on x86_64 and arm64.
    private static final int O_RDWR = 02;
    private static final int O_NOCTTY = 0400;
    private static final int O_CLOEXEC = 02000000;
    private static final int TCSANOW = 0;
    private static final int EINTR = 4;
    /** glibc's struct termios is 60 bytes; room to spare. */
    private static final int TERMIOS_BYTES = 128;

    public interface LibC {
        @SaveError
        int open(String path, int flags);

        @SaveError
        int close(int fd);

        @SaveError
        int grantpt(int fd);

        @SaveError
        int unlockpt(int fd);

        @SaveError
        int ptsname_r(int fd, @Out byte[] buf, @size_t long len);

        @SaveError
        int tcgetattr(int fd, @Out byte[] termios);

        void cfmakeraw(@In @Out byte[] termios);

        @SaveError
        int tcsetattr(int fd, int when, @In byte[] termios);

        @SaveError
        @ssize_t
        long read(int fd, @Out byte[] buf, @size_t long count);

        @SaveError
        @ssize_t
        long write(int fd, @In byte[] buf, @size_t long count);
    }

    private static final class Libc {
        static final LibC LIBC = LibraryLoader.create(LibC.class)
                .option(LibraryOption.SaveError, true)
                .failImmediately()
                .load(Platform.getNativePlatform().getStandardCLibraryName());
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    private final int master;
    private final Path slave;
    private int slaveFd;
    private volatile boolean closed;

    private JnrPseudoTerminal(int master, Path slave, int slaveFd) {
        this.master = master;
        this.slave = slave;
        this.slaveFd = slaveFd;
    }

    public static JnrPseudoTerminal open() {
        LibC c = Libc.LIBC;
        int m = c.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (m < 0) {
            throw fail("open /dev/ptmx");
        }
        int s = -1;
        try {
            if (c.grantpt(m) != 0) {
                throw fail("grantpt");
            }
            if (c.unlockpt(m) != 0) {
                throw fail("unlockpt");
            }
            byte[] name = new byte[128];
            int r = c.ptsname_r(m, name, name.length);
            if (r != 0) {
                throw fail("ptsname_r", r);
            }
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            String path = new String(name, 0, len, StandardCharsets.US_ASCII);
            if (!path.matches("/dev/pts/[0-9]{1,9}")) {
                throw VmlaunchException.hostNotReady("ptsname gave an unexpected path: " + path);
            }
            s = c.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (s < 0) {
                throw fail("open " + path);
            }
            // Raw, so the guest's bytes reach console.log as the guest sent them (no \n -> \r\n, no echo, no
            // signals from ^C: that is the guest's). kvmtool sets its own (less raw) mode on top when it starts.
            byte[] t = new byte[TERMIOS_BYTES];
            if (c.tcgetattr(s, t) != 0) {
                throw fail("tcgetattr " + path);
            }
            c.cfmakeraw(t);
            if (c.tcsetattr(s, TCSANOW, t) != 0) {
                throw fail("tcsetattr " + path);
            }
            return new JnrPseudoTerminal(m, Path.of(path), s);
        } catch (RuntimeException e) {
            if (s >= 0) {
                c.close(s);
            }
            c.close(m);
            throw e;
        }
    }

    @Override
    public Path slave() {
        return slave;
    }

    @Override
    public synchronized void releaseSlave() {
        if (slaveFd >= 0) {
            Libc.LIBC.close(slaveFd);
            slaveFd = -1;
        }
    }

    @Override
    public int read(byte[] buf) throws IOException {
        while (true) {
            if (closed) {
                return -1;
            }
            long n = Libc.LIBC.read(master, buf, buf.length);
            if (n > 0) {
                return (int) n;
            }
            if (n == 0) {
                return -1;
            }
            int e = errno();
            if (e == EINTR) {
                continue;
            }
            // EIO: every holder of the slave has closed it; the terminal is done.
            return -1;
        }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
        byte[] chunk = off == 0 ? buf : java.util.Arrays.copyOfRange(buf, off, off + len);
        int done = 0;
        while (done < len) {
            if (closed) {
                throw new IOException("the console is closed");
            }
            byte[] rest = done == 0 ? chunk : java.util.Arrays.copyOfRange(chunk, done, len);
            long n = Libc.LIBC.write(master, rest, len - done);
            if (n < 0) {
                int e = errno();
                if (e == EINTR) {
                    continue;
                }
                throw new IOException("writing to the console: errno " + e);
            }
            done += (int) n;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseSlave();
        Libc.LIBC.close(master);
    }

    private static VmlaunchException fail(String what) {
        return fail(what, errno());
    }

    private static VmlaunchException fail(String what, int errno) {
        return VmlaunchException.hostNotReady(
                "cannot set up a pseudo-terminal for the guest's console: " + what + " failed (errno " + errno + ")");
    }

    private static int errno() {
        int e = LastError.getLastError(Libc.RUNTIME);
        return e > 0 ? e : Errno.EIO.number();
    }
}
