package dev.vmlaunch.harness;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A directory inside a 9p share that a guest can write, opened once and then used only by names relative to its
 * handle ({@link SecureDirectoryStream}: openat/fstatat/renameat/unlinkat on Linux). Nothing is ever followed: every
 * name is checked with lstat semantics before it is opened, only regular files are read (never a FIFO, which would
 * block, or a device node), each read is capped at {@link #MAX_READ} bytes, and every open or read runs under a
 * deadline so that a name swapped for a FIFO between the check and the open cannot hang the host.
 */
public final class ConfinedDir implements Closeable {
    /** The most the host reads from one file a guest wrote (docs/harness-json.md states it). */
    public static final int MAX_READ = 4 * 1024 * 1024;

    static final Duration IO_DEADLINE = Duration.ofSeconds(10);

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    // Daemon threads: an open that a guest made block (a FIFO swapped in after the check) must not keep the JVM up.
    private static final ExecutorService IO = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "vmlaunch-share-io");
        t.setDaemon(true);
        return t;
    });

    private final SecureDirectoryStream<Path> dir;
    private final Path path;
    private final String shown;

    private ConfinedDir(SecureDirectoryStream<Path> dir, Path path, String shown) {
        this.dir = dir;
        this.path = path;
        this.shown = shown;
    }

    /**
     * Opens {@code trusted}, a folder the user named (the share itself); names below it are shown relative to it.
     * The folder itself must be a real directory, not a link.
     */
    // StreamResourceLeak: the stream is kept open on purpose, it is the handle ConfinedDir reads through and closes.
    @SuppressWarnings("StreamResourceLeak")
    public static ConfinedDir open(Path trusted) throws IOException {
        BasicFileAttributes a = Files.readAttributes(trusted, BasicFileAttributes.class, NOFOLLOW);
        if (!a.isDirectory()) {
            throw new IOException(trusted + " is not a directory");
        }
        DirectoryStream<Path> ds = Files.newDirectoryStream(trusted);
        if (!(ds instanceof SecureDirectoryStream<Path> sds)) {
            ds.close();
            throw new IOException("this platform cannot open files relative to a directory handle, so " + trusted
                    + " cannot be read safely");
        }
        return new ConfinedDir(sds, trusted, "");
    }

    /** The path below the share, for messages: {@code .vmlaunch/virt1/stop}. */
    public String shown(String name) {
        return shown.isEmpty() ? name : shown + "/" + name;
    }

    /** The lstat of {@code name}, or empty when there is none. */
    public Optional<BasicFileAttributes> stat(String name) throws IOException {
        checkName(name);
        try {
            return Optional.of(dir.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, NOFOLLOW)
                    .readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Whether anything (of any type) is called {@code name}. */
    public boolean exists(String name) throws IOException {
        return stat(name).isPresent();
    }

    /** The subdirectory {@code name}, or empty when there is none; anything else there is tampering. */
    public Optional<ConfinedDir> subdir(String name) throws IOException {
        Optional<BasicFileAttributes> a = stat(name);
        if (a.isEmpty()) {
            return Optional.empty();
        }
        if (!a.get().isDirectory()) {
            throw new ShareTamperedException(shown(name), kind(a.get()) + " where a directory belongs");
        }
        SecureDirectoryStream<Path> sub;
        try {
            sub = bounded(shown(name), () -> dir.newDirectoryStream(Path.of(name), NOFOLLOW));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        ConfinedDir d = new ConfinedDir(sub, path.resolve(name), shown(name));
        BasicFileAttributes again = stat(name).orElse(null);
        if (again == null || !Objects.equals(again.fileKey(), a.get().fileKey())) {
            d.close();
            throw new ShareTamperedException(shown(name), "replaced while the host opened it");
        }
        return Optional.of(d);
    }

    /**
     * The subdirectory {@code name}, created when missing. A non-directory there (a link an earlier guest left) is
     * removed first: unlinking a name never touches what it points to.
     */
    public ConfinedDir ensureSubdir(String name) throws IOException {
        Optional<BasicFileAttributes> a = stat(name);
        if (a.isPresent() && !a.get().isDirectory()) {
            dir.deleteFile(Path.of(name));
        }
        try {
            // SecureDirectoryStream has no mkdirat; the parent is re-checked through our handle right after.
            Files.createDirectory(path.resolve(name));
        } catch (FileAlreadyExistsException e) {
            // Already there; subdir() checks what it is.
        }
        return subdir(name)
                .orElseThrow(() -> new ShareTamperedException(shown(name), "gone right after the host made it"));
    }

    /** The entries of this directory, at most {@code max} (a guest can create millions). */
    public List<String> list(int max) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path p : dir) {
            if (out.size() >= max) {
                throw new ShareTamperedException(shown, "holding more than " + max + " entries");
            }
            out.add(p.getFileName().toString());
        }
        return out;
    }

    /**
     * The bytes of the regular file {@code name}, or empty when there is none. A symlink, FIFO, device node,
     * directory or a file over {@link #MAX_READ} bytes is a {@link ShareTamperedException}; none is ever opened.
     */
    public Optional<byte[]> read(String name) throws IOException {
        Optional<BasicFileAttributes> a = stat(name);
        if (a.isEmpty()) {
            return Optional.empty();
        }
        requireRegular(name, a.get());
        if (a.get().size() > MAX_READ) {
            throw new ShareTamperedException(shown(name), "larger than the " + (MAX_READ >> 20) + " MiB cap");
        }
        byte[] bytes;
        try {
            bytes = bounded(shown(name), () -> {
                try (SeekableByteChannel ch =
                        dir.newByteChannel(Path.of(name), Set.of(StandardOpenOption.READ, NOFOLLOW))) {
                    return readCapped(ch, name);
                }
            });
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        BasicFileAttributes after = stat(name).orElse(null);
        if (after == null
                || !after.isRegularFile()
                || !Objects.equals(after.fileKey(), a.get().fileKey())) {
            throw new ShareTamperedException(shown(name), "replaced while the host read it");
        }
        return Optional.of(bytes);
    }

    /**
     * Writes {@code content} to {@code name} atomically: a fresh temporary file (O_CREAT|O_EXCL, which never follows a
     * link) renamed over the name, so a link planted at {@code name} is replaced, never written through.
     */
    public void writeAtomically(String name, byte[] content) throws IOException {
        checkName(name);
        Path tmp = Path.of("." + name + ".tmp");
        try {
            dir.deleteFile(tmp);
        } catch (NoSuchFileException e) {
            // The usual case.
        }
        Set<OpenOption> create = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW, NOFOLLOW);
        try (SeekableByteChannel ch = dir.newByteChannel(tmp, create)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        dir.move(tmp, dir, Path.of(name));
    }

    /** Removes {@code name} and, if it is a directory, everything below it; links are removed, never followed. */
    public void deleteTree(String name) throws IOException {
        Optional<BasicFileAttributes> a = stat(name);
        if (a.isEmpty()) {
            return;
        }
        if (!a.get().isDirectory()) {
            dir.deleteFile(Path.of(name));
            return;
        }
        try (ConfinedDir sub = subdir(name).orElse(null)) {
            if (sub != null) {
                for (String child : sub.list(Integer.MAX_VALUE)) {
                    sub.deleteTree(child);
                }
            }
        }
        dir.deleteDirectory(Path.of(name));
    }

    @Override
    public void close() throws IOException {
        dir.close();
    }

    private void requireRegular(String name, BasicFileAttributes a) {
        if (!a.isRegularFile()) {
            throw new ShareTamperedException(shown(name), kind(a));
        }
    }

    /** What a non-regular file is, in words; FIFOs and device nodes are both "other" to the JDK. */
    static String kind(BasicFileAttributes a) {
        if (a.isSymbolicLink()) {
            return "a symlink";
        }
        if (a.isDirectory()) {
            return "a directory";
        }
        if (a.isRegularFile()) {
            return "a regular file";
        }
        return "a FIFO, socket or device node";
    }

    private byte[] readCapped(SeekableByteChannel ch, String name) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (ch.read(buf) > 0 || buf.position() > 0) {
            buf.flip();
            if (out.size() + buf.remaining() > MAX_READ) {
                throw new ShareTamperedException(shown(name), "larger than the " + (MAX_READ >> 20) + " MiB cap");
            }
            out.write(buf.array(), 0, buf.remaining());
            buf.clear();
        }
        return out.toByteArray();
    }

    private static void checkName(String name) {
        if (name.isEmpty()
                || name.equals(".")
                || name.equals("..")
                || name.indexOf('/') >= 0
                || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a single file name: " + name);
        }
    }

    /** Runs one open or read with a deadline; a guest that makes it block fails instead of hanging the host. */
    private static <T> T bounded(String shown, Callable<T> io) throws IOException {
        Future<T> f = IO.submit(io);
        try {
            return f.get(IO_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new ShareTamperedException(
                    shown,
                    "not readable within " + IO_DEADLINE.toSeconds()
                            + " s (a FIFO swapped in after the host checked it?)");
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading " + shown);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io2) {
                throw io2;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new UncheckedIOException(new IOException(c));
        }
    }
}
