package dev.vmlaunch.host;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the kernel's trees are. Every sysfs, /dev and /proc access goes through these roots so that unit tests run
 * the same code against fake trees laid out like the kernel's, and the lab runs it against the real kernel.
 */
public record HostRoots(Path sysfs, Path dev, Path proc) {
    public static final String SYSFS_ENV = "VMLAUNCH_SYSFS";
    public static final String DEV_ENV = "VMLAUNCH_DEV";
    public static final String PROC_ENV = "VMLAUNCH_PROC";

    /** The roots named by {@code VMLAUNCH_SYSFS}, {@code VMLAUNCH_DEV}, {@code VMLAUNCH_PROC}; /sys, /dev, /proc by default. */
    public static HostRoots fromEnvironment(Map<String, String> env) {
        return new HostRoots(root(env, SYSFS_ENV, "/sys"), root(env, DEV_ENV, "/dev"), root(env, PROC_ENV, "/proc"));
    }

    public static HostRoots fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    private static Path root(Map<String, String> env, String name, String fallback) {
        String v = env.get(name);
        return Path.of(v == null || v.isBlank() ? fallback : v).toAbsolutePath().normalize();
    }
}
