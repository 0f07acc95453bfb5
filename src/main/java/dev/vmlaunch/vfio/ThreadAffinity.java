package dev.vmlaunch.vfio;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.CpuList;
import java.lang.reflect.InvocationTargetException;

/**
 * sched_setaffinity(2) / sched_getaffinity(2) on one thread (a task id from /proc/PID/task). Results follow the
 * kernel's convention: 0 (or the mask) on success, {@code -errno} on failure. The real one is jnr-ffi over libc,
 * here with the project's other native calls (JnrThreadAffinity); tests use a fake.
 */
public interface ThreadAffinity {

    /** 0, or -errno (ESRCH: the thread is gone; EINVAL: none of the CPUs is allowed here, e.g. by a cpuset). */
    int set(long tid, CpuList cpus);

    /** The thread's mask, or the errno that prevented reading it. */
    Mask get(long tid);

    /** {@code cpus} when {@code errno} is 0, else null. */
    record Mask(CpuList cpus, int errno) {}

    /** libc's, loaded by name so that commands which never pin (list, print) never load jnr. */
    static ThreadAffinity system() {
        try {
            Class<?> impl = Class.forName(ThreadAffinity.class.getPackageName() + ".JnrThreadAffinity");
            return (ThreadAffinity) impl.getConstructor().newInstance();
        } catch (InvocationTargetException e) {
            throw VmlaunchException.hostNotReady("cannot reach sched_setaffinity through libc: " + e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw VmlaunchException.hostNotReady("cannot reach sched_setaffinity through libc: " + e);
        }
    }
}
