package dev.vmlaunch.harness;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The host side of the guest agent: installs {@code agent.sh} in the guest's folder of the share, waits for its
 * announcement, and runs commands through it. Only files; the protocol is described in agent.sh.
 */
public final class GuestAgent {
    private static final Pattern NAME = Pattern.compile(GuestSpec.NAME_PATTERN);
    private static final Duration POLL = Duration.ofMillis(100);

    private final String name;
    private final Path dir;
    private int next = 1;

    private GuestAgent(Path share, String name) {
        this.name = name;
        this.dir = share.resolve(".vmlaunch").resolve(name);
    }

    /**
     * Writes a fresh agent into {@code share/.vmlaunch/NAME/}, removing what an earlier run left there. Call before
     * the guest boots.
     */
    public static GuestAgent install(Path share, String guestName) {
        if (!NAME.matcher(guestName).matches()) {
            throw VmlaunchException.usage("not a guest name: " + guestName);
        }
        GuestAgent a = new GuestAgent(share, guestName);
        try {
            deleteTree(a.dir);
            Files.createDirectories(a.dir.resolve("cmd"));
            Files.createDirectories(a.dir.resolve("res"));
            try (InputStream in = GuestAgent.class.getResourceAsStream("agent.sh")) {
                if (in == null) {
                    throw new IllegalStateException("agent.sh missing from the jar");
                }
                writeAtomically(a.dir.resolve("agent.sh"), in.readAllBytes());
            }
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot install the guest agent in " + a.dir + ": " + e.getMessage());
        }
        return a;
    }

    /** What to add to the guest's kernel command line so that its init starts the agent. */
    public String kernelArgs(String shareTag) {
        return "vmlaunch.name=" + name + " vmlaunch.share=" + shareTag;
    }

    public Path folder() {
        return dir;
    }

    /** Waits for the agent's announcement. */
    public Announcement awaitAnnouncement(Duration timeout) throws InterruptedException {
        return awaitAnnouncement(timeout, () -> true);
    }

    /** Waits for the agent's announcement, giving up at once when {@code guestAlive} turns false. */
    public Announcement awaitAnnouncement(Duration timeout, java.util.function.BooleanSupplier guestAlive)
            throws InterruptedException {
        Path f = dir.resolve("announce");
        waitFor(f, timeout, guestAlive, "the agent of guest \"" + name + "\" did not announce itself");
        try {
            return Announcement.parse(Files.readAllLines(f, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hands {@code script} to the agent, waits for it to finish, and returns what it left. */
    public CommandResult run(String script, Duration timeout) throws InterruptedException {
        return run(script, timeout, () -> true);
    }

    /** As {@link #run(String, Duration)}, giving up at once when {@code guestAlive} turns false. */
    public CommandResult run(String script, Duration timeout, java.util.function.BooleanSupplier guestAlive)
            throws InterruptedException {
        int n = next++;
        Path cmdFile = dir.resolve("cmd").resolve(n + ".sh");
        try {
            writeAtomically(cmdFile, script.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot hand command " + n + " to guest \"" + name + "\": " + e.getMessage());
        }
        Path r = dir.resolve("res").resolve(Integer.toString(n));
        waitFor(r.resolve("exit"), timeout, guestAlive, "command " + n + " in guest \"" + name + "\" did not finish");
        try {
            return new CommandResult(n, Integer.parseInt(Files.readString(r.resolve("exit")).trim()),
                    Files.readString(r.resolve("output")), ProcInterrupts.readCapped(r.resolve("interrupts.before")),
                    ProcInterrupts.readCapped(r.resolve("interrupts.after")), msi(r.resolve("msi.before")),
                    msi(r.resolve("msi.after")));
        } catch (IOException | NumberFormatException e) {
            throw VmlaunchException.failure("unreadable result of command " + n + " in guest \"" + name + "\": " + e.getMessage());
        }
    }

    /** Asks the agent to exit (it checks between commands). */
    public void stop() {
        try {
            Files.writeString(dir.resolve("stop"), "");
        } catch (IOException e) {
            // The guest is going away anyway.
        }
    }

    /** What the agent found at start. */
    public record Announcement(String kernel, String arch, int cpus, List<PciDevice> devices) {
        static Announcement parse(List<String> lines) {
            Map<String, String> kv = new LinkedHashMap<>();
            List<PciDevice> devices = new ArrayList<>();
            for (String line : lines) {
                int eq = line.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String key = line.substring(0, eq);
                String value = line.substring(eq + 1);
                if (key.equals("device")) {
                    PciDevice.parse(value).ifPresent(devices::add);
                } else {
                    kv.put(key, value);
                }
            }
            if (!"1".equals(kv.get("version"))) {
                throw VmlaunchException.failure("the guest agent speaks protocol version " + kv.get("version") + ", expected 1");
            }
            int cpus;
            try {
                cpus = Integer.parseInt(kv.getOrDefault("cpus", "0"));
            } catch (NumberFormatException e) {
                cpus = 0;
            }
            return new Announcement(kv.getOrDefault("kernel", "?"), kv.getOrDefault("arch", "?"), cpus, List.copyOf(devices));
        }

        /** The guest-side device matching {@code vendor:device}, in address order. */
        public List<PciDevice> find(String vendor, String device) {
            return devices.stream().filter(d -> d.vendor().equalsIgnoreCase(vendor) && d.device().equalsIgnoreCase(device))
                    .sorted(Comparator.comparing(PciDevice::address)).toList();
        }
    }

    /** A PCI device as the guest sees it. {@code driver} is null when none is bound. */
    public record PciDevice(String address, String vendor, String device, String classCode, String driver,
            List<Integer> msiIrqs) {
        static Optional<PciDevice> parse(String v) {
            String[] f = v.trim().split("\\s+");
            if (f.length != 5 || !f[1].contains(":")) {
                return Optional.empty();
            }
            String[] vd = f[1].split(":");
            List<Integer> irqs = new ArrayList<>();
            if (!f[4].equals("-")) {
                for (String s : f[4].split(",")) {
                    irqs.add(Integer.parseInt(s));
                }
            }
            return Optional.of(new PciDevice(f[0], vd[0], vd[1], f[2], f[3].equals("-") ? null : f[3], List.copyOf(irqs)));
        }
    }

    /**
     * One command's result: its exit code and output, and /proc/interrupts and every device's msi_irqs before and
     * after it ran.
     */
    public record CommandResult(int number, int exitCode, String output, String interruptsBefore, String interruptsAfter,
            Map<String, List<Integer>> msiBefore, Map<String, List<Integer>> msiAfter) {
    }

    static Map<String, List<Integer>> msi(Path f) throws IOException {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            String[] w = line.trim().split("\\s+");
            if (w.length == 0 || w[0].isEmpty()) {
                continue;
            }
            List<Integer> irqs = new ArrayList<>();
            for (int i = 1; i < w.length; i++) {
                irqs.add(Integer.parseInt(w[i]));
            }
            m.put(w[0], List.copyOf(irqs));
        }
        return m;
    }

    private void waitFor(Path f, Duration timeout, java.util.function.BooleanSupplier alive, String what)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!Files.exists(f)) {
            if (!alive.getAsBoolean()) {
                throw VmlaunchException.failure("guest \"" + name + "\" ended before " + what.replace(
                        "the agent of guest \"" + name + "\" did not announce itself", "its agent announced itself"));
            }
            if (Instant.now().isAfter(deadline)) {
                throw VmlaunchException.failure(what + " within " + timeout.toSeconds() + " s (no " + f + ")");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.write(tmp, content);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
