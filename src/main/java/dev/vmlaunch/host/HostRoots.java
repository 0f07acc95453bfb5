package dev.vmlaunch.host;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the kernel's trees are. Every sysfs and /proc path in vmlaunch starts at one of these roots (a test,
 * {@code KernelPathLiteralsTest}, fails on a "/proc" or "/sys" spelled anywhere else), and so do the /dev nodes it
 * judges (vfio, kvm), so that unit tests run the same code against fake trees laid out like the kernel's, and the
 * lab runs it against the real kernel. (/dev/null, /dev/tty and /dev/ptmx are opened as themselves.)
 *
 * <p>Two kinds of roots, because a faked tree can stand in for facts but holds no live process:
 * <ul>
 * <li>{@link #fromEnvironment()}: what vmlaunch judges and reports on (sysfs devices, /proc/interrupts, iomem,
 * cmdline, this process's limits a check weighs, who holds a VFIO node). {@code VMLAUNCH_SYSFS}, {@code VMLAUNCH_DEV}
 * and {@code VMLAUNCH_PROC} move them to fake trees.</li>
 * <li>{@link #KERNEL}: what controls processes: this JVM's own /proc/self (its signal dispositions, its session),
 * the identity and liveness of the VMMs it spawned, the threads it pins, a kvmtool it proves before it signals
 * one. A supervisor run against a faked /proc must still see its own child; no environment variable moves these.</li>
 * </ul>
 */
public record HostRoots(Path sysfs, Path dev, Path proc) {
    public static final String SYSFS_ENV = "VMLAUNCH_SYSFS";
    public static final String DEV_ENV = "VMLAUNCH_DEV";
    public static final String PROC_ENV = "VMLAUNCH_PROC";

    /** The running kernel's own trees, whatever the environment says. */
    public static final HostRoots KERNEL = new HostRoots(Path.of("/sys"), Path.of("/dev"), Path.of("/proc"));

    /** The roots named by {@code VMLAUNCH_SYSFS}, {@code VMLAUNCH_DEV}, {@code VMLAUNCH_PROC}; {@link #KERNEL}'s by default. */
    public static HostRoots fromEnvironment(Map<String, String> env) {
        return new HostRoots(
                root(env, SYSFS_ENV, KERNEL.sysfs), root(env, DEV_ENV, KERNEL.dev), root(env, PROC_ENV, KERNEL.proc));
    }

    public static HostRoots fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** {@code PROC/PID}: one process's folder. */
    public Path process(long pid) {
        return proc.resolve(Long.toString(pid));
    }

    /** {@code PROC/self}: the reading process's own folder. */
    public Path self() {
        return proc.resolve("self");
    }

    private static Path root(Map<String, String> env, String name, Path fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : Path.of(v).toAbsolutePath().normalize();
    }
}
