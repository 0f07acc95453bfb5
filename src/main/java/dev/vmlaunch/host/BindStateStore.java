package dev.vmlaunch.host;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.PciAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Bind records in {@code <state>/devices/<bdf>.json}. Each write goes to a temp file that is synced and renamed, so
 * a crash leaves either the old record or the new one, never half of one.
 */
public final class BindStateStore {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path stateRoot;

    public BindStateStore(Path stateRoot) {
        this.stateRoot = stateRoot;
    }

    public Path folder() {
        // A dot folder: guest names start with a letter or digit, so no guest's folder can be this one.
        return stateRoot.resolve(".devices");
    }

    private Path ensureFolder() {
        dev.vmlaunch.supervise.StateRoot.ensureDir(stateRoot);
        return dev.vmlaunch.supervise.StateRoot.ensureDir(folder());
    }

    /** Serialises binds of concurrent vmlaunch processes. */
    public Lock lock() {
        Path dir = ensureFolder();
        try {
            FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                return new Lock(ch, ch.lock());
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot lock " + dir + ": " + e.getMessage(), e);
        }
    }

    public void write(BindRecord r) throws IOException {
        Path dir = ensureFolder();
        Path target = file(PciAddress.parse(r.address()));
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        byte[] bytes = JSON.writeValueAsBytes(r);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        syncFolder(dir);
    }

    public Optional<BindRecord> read(PciAddress address) {
        Path f = file(address);
        try {
            BindRecord r = JSON.readValue(Files.readAllBytes(f), BindRecord.class);
            return Optional.of(validated(r, address, f));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw VmlaunchException.failure("unreadable bind record " + f + ": " + e.getMessage(), e);
        }
    }

    public void delete(PciAddress address) throws IOException {
        Files.deleteIfExists(file(address));
        syncFolder(folder());
    }

    /** Every record, by address. */
    public List<BindRecord> all() {
        List<BindRecord> out = new ArrayList<>();
        for (String name : Sysfs.list(folder())) {
            if (name.endsWith(".json")) {
                PciAddress.tryParse(name.substring(0, name.length() - 5)).flatMap(this::read).ifPresent(out::add);
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
                && (r.originalDriver() == null || Sysfs.DRIVER_NAME.matcher(r.originalDriver()).matches())
                && (r.originalOverride() == null || Sysfs.DRIVER_NAME.matcher(r.originalOverride()).matches());
        if (!ok) {
            throw VmlaunchException.failure("bind record " + f + " does not describe " + address
                    + " with valid driver names: remove it after checking the device by hand");
        }
        return r;
    }

    private static void syncFolder(Path dir) {
        // Makes the rename durable; Linux allows fsync on a folder opened for reading.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not every file system supports it; the rename itself is still atomic
        }
    }

    /** A held lock on the state folder. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                // closing the channel releases the lock anyway
            }
        }
    }
}
