package dev.vmlaunch.vmm;

import java.nio.file.Path;

/** QEMU's option syntax: {@code key=value} lists separated by commas, where a literal comma is doubled. */
final class QemuOpts {
    private final StringBuilder sb;

    private QemuOpts(String first) {
        sb = new StringBuilder(first);
    }

    /** Starts with {@code driverOrFirst} as is: a driver name, or a {@code key=value} already escaped. */
    static QemuOpts of(String driverOrFirst) {
        return new QemuOpts(driverOrFirst);
    }

    QemuOpts add(String key, String value) {
        sb.append(',').append(key).append('=').append(escape(value));
        return this;
    }

    QemuOpts add(String key, Path value) {
        return add(key, value.toString());
    }

    QemuOpts add(String key, int value) {
        return add(key, Integer.toString(value));
    }

    QemuOpts on(String key) {
        return add(key, "on");
    }

    QemuOpts addIf(boolean cond, String key, String value) {
        return cond ? add(key, value) : this;
    }

    static String escape(String value) {
        return value.replace(",", ",,");
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
