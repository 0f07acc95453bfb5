package dev.vmlaunch.harness;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The host side of the guest agent: installs {@code agent.sh} in the guest's folder of the share, waits for its
 * announcement, and runs commands through it. Only files; the protocol is described in agent.sh.
 */
public final class GuestAgent {
    private static final Pattern NAME = Pattern.compile(GuestSpec.NAME_PATTERN);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final String TOP = ".vmlaunch";
    /** The files of one result, each named with its SHA-256 in the authenticated {@code exit} file. */
    static final List<String> RESULT_FILES =
            List.of("output", "interrupts.before", "interrupts.after", "msi.before", "msi.after");

    private final String name;
    private final Path share;
    private final String token;
    private int next = 1;

    private GuestAgent(Path share, String name, String token) {
        this.name = name;
        this.share = share;
        this.token = token;
    }

    /**
     * Writes a fresh agent into {@code share/.vmlaunch/NAME/}, removing what an earlier run left there (links are
     * removed, never followed). Call before the guest boots.
     */
    public static GuestAgent install(Path share, String guestName) {
        if (!NAME.matcher(guestName).matches()) {
            throw VmlaunchException.usage("not a guest name: " + guestName);
        }
        GuestAgent a = new GuestAgent(share, guestName, AgentToken.fresh());
        try (ConfinedDir root = ConfinedDir.open(share);
                ConfinedDir top = root.ensureSubdir(TOP)) {
            top.deleteTree(guestName);
            try (ConfinedDir d = top.ensureSubdir(guestName)) {
                d.ensureSubdir("cmd").close();
                d.ensureSubdir("res").close();
                try (InputStream in = GuestAgent.class.getResourceAsStream("agent.sh")) {
                    if (in == null) {
                        throw new IllegalStateException("agent.sh missing from the jar");
                    }
                    d.writeAtomically("agent.sh", in.readAllBytes());
                }
            }
        } catch (ShareTamperedException e) {
            throw VmlaunchException.failure("cannot install the guest agent in " + a.folder() + ": " + e.getMessage()
                    + " (the host does not follow links in a share)");
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot install the guest agent in " + a.folder() + ": " + e.getMessage());
        }
        return a;
    }

    /**
     * What to add to the guest's kernel command line so that its init starts the agent. The token is this run's
     * secret for this guest: only the guest's kernel command line carries it, so only its agent can sign results.
     */
    public String kernelArgs(String shareTag) {
        return "vmlaunch.name=" + name + " vmlaunch.share=" + shareTag + " vmlaunch.token=" + token;
    }

    /** The per-run secret the agent signs with (tests that run agent.sh by hand pass it as VMLAUNCH_TOKEN). */
    public String token() {
        return token;
    }

    public Path folder() {
        return share.resolve(TOP).resolve(name);
    }

    /** Waits for the agent's announcement. */
    public Announcement awaitAnnouncement(Duration timeout) throws InterruptedException {
        return awaitAnnouncement(timeout, () -> true);
    }

    /** Waits for the agent's announcement, giving up at once when {@code guestAlive} turns false. */
    public Announcement awaitAnnouncement(Duration timeout, java.util.function.BooleanSupplier guestAlive)
            throws InterruptedException {
        waitFor(
                List.of("announce"),
                timeout,
                guestAlive,
                "the agent of guest \"" + name + "\" did not announce itself");
        byte[] bytes = confined(() -> readIn(List.of(), "announce"));
        return Announcement.parse(Signed.verify(bytes, token, "the announcement of guest \"" + name + "\""));
    }

    /** Hands {@code script} to the agent, waits for it to finish, and returns what it left. */
    public CommandResult run(String script, Duration timeout) throws InterruptedException {
        return run(script, timeout, () -> true);
    }

    /** As {@link #run(String, Duration)}, giving up at once when {@code guestAlive} turns false. */
    public CommandResult run(String script, Duration timeout, java.util.function.BooleanSupplier guestAlive)
            throws InterruptedException {
        int n = next++;
        confined(() -> {
            try (ConfinedDir d = agentDir();
                    ConfinedDir cmd = d.subdir("cmd").orElseThrow(() -> missing("cmd"))) {
                cmd.writeAtomically(n + ".sh", script.getBytes(StandardCharsets.UTF_8));
            }
            return null;
        });
        List<String> res = List.of("res", Integer.toString(n));
        waitFor(
                List.of("res", Integer.toString(n), "exit"),
                timeout,
                guestAlive,
                "command " + n + " in guest \"" + name + "\" did not finish");
        String what = "the result of command " + n + " in guest \"" + name + "\"";
        ResultManifest m = ResultManifest.parse(Signed.verify(confined(() -> readIn(res, "exit")), token, what), what);
        Map<String, String> files = new LinkedHashMap<>();
        for (String f : RESULT_FILES) {
            byte[] b = confined(() -> readIn(res, f));
            if (!m.sha256().get(f).equals(Signed.sha256Hex(b))) {
                throw VmlaunchException.failure(what + " was changed after its agent wrote it: res/" + n + "/" + f
                        + " does not match its SHA-256 (another guest sharing the folder?)");
            }
            files.put(f, new String(b, StandardCharsets.UTF_8));
        }
        return new CommandResult(
                n,
                m.exitCode(),
                files.get("output"),
                files.get("interrupts.before"),
                files.get("interrupts.after"),
                msi(files.get("msi.before"), what),
                msi(files.get("msi.after"), what));
    }

    /**
     * Asks the agent to exit (it checks between commands). The host never wrote a stop file before, so one that is
     * already there was made by the guest: that is tampering, reported after the stop file replaced it.
     */
    public void stop() {
        Optional<String> planted = confined(() -> {
            try (ConfinedDir d = agentDir()) {
                Optional<String> p = d.stat("stop").map(a -> d.shown("stop") + " " + ConfinedDir.kind(a));
                d.writeAtomically("stop", new byte[0]);
                return p;
            }
        });
        planted.ifPresent(p -> {
            throw VmlaunchException.failure("guest " + name + " made " + p + " before the host asked it to stop; "
                    + "the host replaced it without following it");
        });
    }

    private interface ShareIo<T> {
        T run() throws IOException;
    }

    /** Runs share I/O, turning tampering and I/O errors into one line that names the guest. */
    private <T> T confined(ShareIo<T> io) {
        try {
            return io.run();
        } catch (ShareTamperedException e) {
            throw VmlaunchException.failure(e.byGuest(name));
        } catch (IOException e) {
            throw VmlaunchException.failure(
                    "cannot use the share of guest \"" + name + "\" (" + folder() + "): " + e.getMessage());
        }
    }

    private ConfinedDir agentDir() throws IOException {
        ConfinedDir root = ConfinedDir.open(share);
        try (root;
                ConfinedDir top = root.subdir(TOP).orElseThrow(() -> missing(""))) {
            return top.subdir(name).orElseThrow(() -> missing(name));
        }
    }

    private ShareTamperedException missing(String what) {
        return new ShareTamperedException(
                TOP + (what.isEmpty() ? "" : "/" + name + (what.equals(name) ? "" : "/" + what)),
                "gone (removed from the share)");
    }

    /** The file {@code file} in the agent's subfolder {@code dirs}; a missing one is an error. */
    private byte[] readIn(List<String> dirs, String file) throws IOException {
        return readOptional(dirs, file)
                .orElseThrow(() -> missing(String.join("/", dirs) + (dirs.isEmpty() ? "" : "/") + file));
    }

    private Optional<byte[]> readOptional(List<String> dirs, String file) throws IOException {
        List<ConfinedDir> open = new ArrayList<>();
        try {
            ConfinedDir d = agentDir();
            open.add(d);
            for (String s : dirs) {
                Optional<ConfinedDir> sub = d.subdir(s);
                if (sub.isEmpty()) {
                    return Optional.empty();
                }
                d = sub.get();
                open.add(d);
            }
            return d.read(file);
        } finally {
            for (ConfinedDir d : open) {
                d.close();
            }
        }
    }

    private boolean present(List<String> rel) throws IOException {
        List<ConfinedDir> open = new ArrayList<>();
        try {
            ConfinedDir d = agentDir();
            open.add(d);
            for (String s : rel.subList(0, rel.size() - 1)) {
                Optional<ConfinedDir> sub = d.subdir(s);
                if (sub.isEmpty()) {
                    return false;
                }
                d = sub.get();
                open.add(d);
            }
            return d.exists(rel.get(rel.size() - 1));
        } finally {
            for (ConfinedDir d : open) {
                d.close();
            }
        }
    }

    /** What the agent found at start. */
    public record Announcement(String kernel, String arch, int cpus, List<PciDevice> devices) {
        /** Parses the (already authenticated) announcement; anything malformed is a one-line failure. */
        static Announcement parse(String text) {
            return parse(List.of(text.split("\n")));
        }

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
            if (!AgentToken.PROTOCOL.equals(kv.get("version"))) {
                throw VmlaunchException.failure("the guest agent speaks protocol version "
                        + Irqs.clip(String.valueOf(kv.get("version"))) + ", expected " + AgentToken.PROTOCOL);
            }
            int cpus;
            try {
                cpus = Integer.parseInt(kv.getOrDefault("cpus", "0"));
            } catch (NumberFormatException e) {
                cpus = 0;
            }
            return new Announcement(
                    kv.getOrDefault("kernel", "?"), kv.getOrDefault("arch", "?"), cpus, List.copyOf(devices));
        }

        /** The guest-side device matching {@code vendor:device}, in address order. */
        public List<PciDevice> find(String vendor, String device) {
            return devices.stream()
                    .filter(d ->
                            d.vendor().equalsIgnoreCase(vendor) && d.device().equalsIgnoreCase(device))
                    .sorted(Comparator.comparing(PciDevice::address))
                    .toList();
        }
    }

    /** A PCI device as the guest sees it. {@code driver} is null when none is bound. */
    public record PciDevice(
            String address, String vendor, String device, String classCode, String driver, List<Integer> msiIrqs) {
        /** One {@code device=} value; a line that is not one (a stray or hostile line) is skipped. */
        static Optional<PciDevice> parse(String v) {
            String[] f = v.trim().split("\\s+");
            if (f.length != 5) {
                return Optional.empty();
            }
            String[] vd = f[1].split(":", -1);
            if (vd.length != 2 || vd[0].isEmpty() || vd[1].isEmpty()) {
                return Optional.empty();
            }
            List<Integer> irqs = new ArrayList<>();
            if (!f[4].equals("-")) {
                for (String s : f[4].split(",", -1)) {
                    irqs.add(Irqs.parse(s, "the announcement: device line \"" + Irqs.clip(v) + "\""));
                }
            }
            return Optional.of(
                    new PciDevice(f[0], vd[0], vd[1], f[2], f[3].equals("-") ? null : f[3], List.copyOf(irqs)));
        }
    }

    /**
     * One command's result: its exit code and output, and /proc/interrupts and every device's msi_irqs before and
     * after it ran.
     */
    public record CommandResult(
            int number,
            int exitCode,
            String output,
            String interruptsBefore,
            String interruptsAfter,
            Map<String, List<Integer>> msiBefore,
            Map<String, List<Integer>> msiAfter) {}

    /** {@code BDF irq irq ...} lines, as agent.sh's msi_snapshot writes them. */
    static Map<String, List<Integer>> msi(String text, String what) {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length == 0 || w[0].isEmpty()) {
                continue;
            }
            List<Integer> irqs = new ArrayList<>();
            for (int i = 1; i < w.length; i++) {
                irqs.add(Irqs.parse(w[i], what + ": MSI line \"" + Irqs.clip(line) + "\""));
            }
            m.put(w[0], List.copyOf(irqs));
        }
        return m;
    }

    private void waitFor(List<String> rel, Duration timeout, java.util.function.BooleanSupplier alive, String what)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!confined(() -> present(rel))) {
            if (!alive.getAsBoolean()) {
                throw VmlaunchException.failure("guest \"" + name + "\" ended before "
                        + what.replace(
                                "the agent of guest \"" + name + "\" did not announce itself",
                                "its agent announced itself"));
            }
            if (Instant.now().isAfter(deadline)) {
                throw VmlaunchException.failure(what + " within " + timeout.toSeconds() + " s (no "
                        + folder().resolve(String.join("/", rel)) + ")");
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
