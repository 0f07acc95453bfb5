package dev.vmlaunch.host;

import dev.vmlaunch.JsonMappers;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.state.AtomicWrite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bind records in {@code <state>/devices/<bdf>.json}. Each write goes to a temp file that is synced and renamed, so
 * a crash leaves either the old record or the new one, never half of one.
 */
public final class BindStateStore {

    private final Path stateRoot;

    public BindStateStore(Path stateRoot) {
        this.stateRoot = stateRoot;
    }

    public Path folder() {
        // A dot folder: guest names start with a letter or digit, so no guest's folder can be this one.
        return stateRoot.resolve(".devices");
    }

    private Path ensureFolder() {
        dev.vmlaunch.state.StateRoot.ensureDir(stateRoot);
        return dev.vmlaunch.state.StateRoot.ensureDir(folder());
    }

    /** How long a bind or restore waits for another one to finish before it gives up and names the holder. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(60);

    /**
     * One lock per state folder in this JVM. A POSIX record lock belongs to the process, so a second
     * {@code FileChannel.lock()} from another thread of the same JVM throws {@code OverlappingFileLockException}
     * instead of waiting: threads queue here first, then the file lock serialises processes.
     */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    /** Serialises binds and restores of this JVM's threads and of concurrent vmlaunch processes. */
    public Lock lock(String purpose) {
        return lock(purpose, LOCK_WAIT);
    }

    Lock lock(String purpose, Duration wait) {
        Path dir = ensureFolder();
        Path file = dir.resolve(".lock");
        long deadline = System.nanoTime() + wait.toNanos();
        ReentrantLock local = IN_JVM.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new ReentrantLock());
        boolean held = false;
        try {
            held = local.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS);
            if (!held) {
                throw busy(file, wait);
            }
            FileChannel ch = FileChannel.open(
                    file,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.READ,
                    StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            try {
                FileLock fl;
                while ((fl = ch.tryLock()) == null) {
                    if (System.nanoTime() - deadline >= 0) {
                        throw busy(file, wait);
                    }
                    Thread.sleep(50);
                }
                writeHolder(ch, purpose);
                return new Lock(ch, fl, local);
            } catch (IOException | RuntimeException | InterruptedException e) {
                ch.close();
                throw e;
            }
        } catch (InterruptedException e) {
            if (held) {
                local.unlock();
            }
            Thread.currentThread().interrupt();
            throw VmlaunchException.failure("interrupted while waiting for the device lock " + file);
        } catch (IOException e) {
            if (held) {
                local.unlock();
            }
            throw VmlaunchException.failure("cannot lock " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (held) {
                local.unlock();
            }
            throw e;
        }
    }

    // Who holds the lock, for the message of whoever waits too long for it.
    private static void writeHolder(FileChannel ch, String purpose) throws IOException {
        String who = "pid " + ProcessHandle.current().pid() + ": " + purpose.replaceAll("[^\\x20-\\x7e]", "?")
                + " since " + java.time.Instant.now() + "\n";
        ch.truncate(0);
        ByteBuffer b = ByteBuffer.wrap(who.getBytes(StandardCharsets.UTF_8));
        long pos = 0;
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }

    private static VmlaunchException busy(Path file, Duration wait) {
        String holder;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer b = ByteBuffer.allocate(512);
            ch.read(b, 0);
            holder = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            holder = "";
        }
        return VmlaunchException.failure("another bind or restore still holds " + file + " after " + wait.toSeconds()
                + " s" + (holder.isEmpty() ? "" : " (" + holder + ")") + "; nothing was changed");
    }

    public void write(BindRecord r) throws IOException {
        ensureFolder();
        AtomicWrite.replace(
                file(PciAddress.parse(r.address())), JsonMappers.pretty().writeValueAsBytes(r));
    }

    public Optional<BindRecord> read(PciAddress address) {
        Path f = file(address);
        try {
            BindRecord r = JsonMappers.mapper().readValue(Files.readAllBytes(f), BindRecord.class);
            return Optional.of(validated(r, address, f));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw VmlaunchException.failure("unreadable bind record " + f + ": " + e.getMessage(), e);
        }
    }

    public void delete(PciAddress address) throws IOException {
        Files.deleteIfExists(file(address));
        AtomicWrite.syncFolder(folder());
    }

    /** Every record, by address. */
    public List<BindRecord> all() {
        List<BindRecord> out = new ArrayList<>();
        for (String name : Sysfs.list(folder())) {
            if (name.endsWith(".json")) {
                PciAddress.tryParse(name.substring(0, name.length() - 5))
                        .flatMap(this::read)
                        .ifPresent(out::add);
            }
        }
        out.sort((a, b) -> PciAddress.parse(a.address()).compareTo(PciAddress.parse(b.address())));
        return out;
    }

    private Path file(PciAddress address) {
        return folder().resolve(address + ".json");
    }

    // A record names drivers that end up in sysfs paths: a tampered file must not steer them.
    private static BindRecord validated(BindRecord r, PciAddress address, Path f) {
        boolean ok = address.toString().equals(r.address())
                && (r.originalDriver() == null
                        || Sysfs.DRIVER_NAME.matcher(r.originalDriver()).matches())
                && (r.originalOverride() == null
                        || Sysfs.DRIVER_NAME.matcher(r.originalOverride()).matches());
        if (!ok) {
            throw VmlaunchException.failure("bind record " + f + " does not describe " + address
                    + " with valid driver names: remove it after checking the device by hand");
        }
        return r;
    }

    /** A held lock on the state folder. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;
        private final ReentrantLock local;
        private boolean closed;

        Lock(FileChannel channel, FileLock lock, ReentrantLock local) {
            this.channel = channel;
            this.lock = lock;
            this.local = local;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                // closing the channel releases the lock anyway
            } finally {
                local.unlock();
            }
        }
    }
}
