package dev.vmlaunch.supervise;

import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.PciAddress;
import dev.vmlaunch.host.DeviceCustody;
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
 * A {@link DeviceCustody} for tests, chosen with {@code VMLAUNCH_CUSTODY_PROVIDER} (SupervisionEnv.cliEnv: the CLI
 * on the test class path and the supervisor JVMs it starts, which inherit the variable). It changes nothing on the host and appends one line per call
 * to {@code STATE/custody.log} — {@code bind NAME DEVS pid=PID} / {@code restore NAME DEVS pid=PID} — so that
 * tests can see who gave the devices back, and when, across processes. Like the host's bind records, the log says
 * what each guest still holds ({@link #heldFor}: bound and not restored since).
 *
 * <p>Faults on demand, by files in STATE: {@code custody.hold-bind} makes a bind wait (after logging it, as the
 * host's records are written before the first change) until the file is gone, so that a test can kill the
 * supervisor mid-bind (an attach's bind waits too, so a test can end the guest mid-attach); {@code custody.fail-restore} makes every restore fail (logged as {@code restore-failed}).
 */
public final class RecordingCustody implements DeviceCustody {
    private final Path log;
    private final Path holdBind;
    private final Path failRestore;

    RecordingCustody(Path stateRoot) {
        this.log = stateRoot.resolve("custody.log");
        this.holdBind = stateRoot.resolve("custody.hold-bind");
        this.failRestore = stateRoot.resolve("custody.fail-restore");
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
            holdWhileAsked();
        }
        return managed;
    }

    private void holdWhileAsked() {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
        while (Files.exists(holdBind) && System.nanoTime() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    @Override
    public List<PciAddress> bindForAttach(String guest, List<PciAddress> devices) {
        record("bind", guest, devices);
        holdWhileAsked();
        return devices;
    }

    @Override
    public void restore(String guest, List<PciAddress> devices) {
        if (Files.exists(failRestore)) {
            record("restore-failed", guest, devices);
            throw dev.vmlaunch.VmlaunchException.failure("could not give back " + devices + " (injected failure)");
        }
        record("restore", guest, devices);
    }

    @Override
    public List<PciAddress> heldFor(String guest) {
        java.util.Set<String> held = new java.util.LinkedHashSet<>();
        try {
            for (String line : calls(log.getParent())) {
                String[] f = line.split(" ");
                if (f.length >= 3 && f[1].equals(guest) && !f[2].startsWith("pid=")) {
                    List<String> devs = List.of(f[2].split(","));
                    if (f[0].equals("bind")) {
                        held.addAll(devs);
                    } else if (f[0].equals("restore")) {
                        devs.forEach(held::remove);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return held.stream().map(PciAddress::parse).toList();
    }

    private synchronized void record(String what, String guest, List<PciAddress> devices) {
        String line = what + " " + guest + " "
                + devices.stream().map(PciAddress::toString).collect(Collectors.joining(",")) + " pid="
                + ProcessHandle.current().pid() + "\n";
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
