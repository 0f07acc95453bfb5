package dev.vmlaunch.vfio;

/**
 * The four system calls a probe makes. Results follow the kernel's convention: a non-negative value on success,
 * {@code -errno} on failure. The real implementation is jnr-ffi over libc ({@link JnrVfioProbe}); tests use a
 * fake kernel.
 */
interface VfioSyscalls {
    /** A new fd, or -errno. */
    int open(String path, int flags);

    /** 0, or -errno. */
    int close(int fd);

    /** ioctl with an integer argument (CHECK_EXTENSION, SET_IOMMU) or none (GET_API_VERSION). */
    int ioctl(int fd, long request, long arg);

    /** ioctl with a pointer to {@code inOut}; the kernel's writes land back in the array. */
    int ioctl(int fd, long request, byte[] inOut);
}
