package dev.vmlaunch.vfio;

import java.util.Optional;

/**
 * The Linux errno values the VFIO paths can return. The numbers are the generic Linux ones (x86_64 and aarch64
 * share them); VfioAbiIT checks them against the host's errno.h.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    EBADFD(77, "File descriptor in bad state"),
    EOPNOTSUPP(95, "Operation not supported");

    private final int number;
    private final String description;

    Errno(int number, String description) {
        this.number = number;
        this.description = description;
    }

    public int number() {
        return number;
    }

    /** The strerror(3) text. */
    public String description() {
        return description;
    }

    public static Optional<Errno> of(int number) {
        for (Errno e : values()) {
            if (e.number == number) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** "EBUSY (Device or resource busy)", or "errno 42" for numbers this enum does not name. */
    public static String describe(int number) {
        return of(number).map(e -> e.name() + " (" + e.description + ")").orElse("errno " + number);
    }
}
