package dev.vmlaunch.supervise;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@link DeviceCustody} for tests, registered through META-INF/services on the test class path (so also in
 * supervisor JVMs a test starts with that class path). It changes nothing on the host and appends one line per call
 * to {@code STATE/custody.log} — {@code bind NAME DEVS pid=PID} / {@code restore NAME DEVS pid=PID} — so that
 * tests can see who gave the devices back, and when, across processes.
 */
public final class RecordingCustody implements DeviceCustody {
    private final Path log;

    RecordingCustody(Path stateRoot) {
        this.log = stateRoot.resolve("custody.log");
    }

    public static final class Provider implements DeviceCustody.Provider {
        @Override
        public DeviceCustody open(Path stateRoot) {
            return new RecordingCustody(stateRoot);
        }
    }

    @Override
    public List<PciAddress> bindForGuest(GuestSpec spec) {
        List<PciAddress> managed = DeviceCustody.managedDevices(spec);
        if (!managed.isEmpty()) {
            record("bind", spec.name(), managed);
        }
        return managed;
    }

    @Override
    public void restore(String guest, List<PciAddress> devices) {
        record("restore", guest, devices);
    }

    private synchronized void record(String what, String guest, List<PciAddress> devices) {
        String line = what + " " + guest + " " + devices.stream().map(PciAddress::toString)
                .collect(Collectors.joining(",")) + " pid=" + ProcessHandle.current().pid() + "\n";
        try {
            Files.writeString(log, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The calls recorded under {@code stateRoot} so far. */
    public static List<String> calls(Path stateRoot) throws IOException {
        try {
            return Files.readAllLines(stateRoot.resolve("custody.log"));
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }
}
