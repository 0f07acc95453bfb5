package dev.vmlaunch.vfio;

import dev.vmlaunch.config.CpuList;
import java.util.BitSet;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.pid_t;
import jnr.ffi.types.size_t;

/**
 * libc's sched_setaffinity / sched_getaffinity through jnr-ffi. It lives here because this package is the project's
 * one native boundary; {@link ThreadAffinity#system()} loads it by name so nothing else pulls jnr in.
 */
public final class JnrThreadAffinity implements ThreadAffinity {
    /** Room for the kernel's largest NR_CPUS (8192 bits); the kernel copies out only nr_cpu_ids of them. */
    private static final int GET_BYTES = (CpuList.MAX_CPU + 1) / 8;
    /** glibc's cpu_set_t is 1024 bits; the kernel takes any multiple of a long and ignores CPUs it does not have. */
    private static final int MIN_SET_BYTES = 128;

    public interface LibC {
        @SaveError
        int sched_setaffinity(@pid_t long pid, @size_t long size, @In byte[] mask);

        @SaveError
        int sched_getaffinity(@pid_t long pid, @size_t long size, @Out byte[] mask);
    }

    private static final class Libc {
        static final LibC LIBC = LibraryLoader.create(LibC.class)
                .option(LibraryOption.SaveError, true)
                .failImmediately()
                .load(Platform.getNativePlatform().getStandardCLibraryName());
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    @Override
    public int set(long tid, CpuList cpus) {
        byte[] mask = toBytes(cpus);
        return Libc.LIBC.sched_setaffinity(tid, mask.length, mask) == 0 ? 0 : -errno();
    }

    @Override
    public Mask get(long tid) {
        byte[] mask = new byte[GET_BYTES];
        if (Libc.LIBC.sched_getaffinity(tid, mask.length, mask) < 0) {
            return new Mask(null, errno());
        }
        BitSet b = BitSet.valueOf(mask);
        return new Mask(CpuList.of(b.stream().toArray()), 0);
    }

    /** cpu_set_t bytes: CPU n is bit n % 8 of byte n / 8 (little-endian longs, as the kernel reads them). */
    static byte[] toBytes(CpuList cpus) {
        int bytes = Math.max(MIN_SET_BYTES, ((cpus.highest() / 64) + 1) * 8);
        byte[] out = new byte[bytes];
        cpus.stream().forEach(c -> out[c / 8] |= (byte) (1 << (c % 8)));
        return out;
    }

    private static int errno() {
        int e = LastError.getLastError(Libc.RUNTIME);
        return e > 0 ? e : Errno.EIO.number();
    }
}
