package dev.vmlaunch.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmlaunch.driver.ProcessIdentity;
import dev.vmlaunch.supervise.GuestState;
import dev.vmlaunch.supervise.GuestStateFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A private vmlaunch world for one test: its own state directory, HOME (for ~/.lkvm) and sysfs root, guest files
 * for cheap {@code -machine none} QEMUs, and two ways to run the CLI — {@code ./vmlaunch} (the shaded jar, as a user
 * runs it) and the same Main on the test class path, whose supervisors find the recording DeviceCustody. Closing it
 * stops whatever it started.
 */
final class SupervisionEnv implements AutoCloseable {
    static final Path FAKES = VmlaunchProcess.ROOT.resolve("src/test/resources/fakes");
    static final ObjectMapper JSON = new ObjectMapper();

    final Path state;
    final Path home;
    final Path sysfs;
    final Path guests;
    /** Laid out like the kernel's, so that run's host checks see real-looking devices: one group each, on e1000e. */
    final dev.vmlaunch.host.FakeSysfs fakeSysfs;

    private int nextGroup = 1;

    SupervisionEnv(Path tmp) throws IOException {
        state = Files.createDirectories(tmp.resolve("state"));
        home = Files.createDirectories(tmp.resolve("home"));
        fakeSysfs = new dev.vmlaunch.host.FakeSysfs(tmp.resolve("sys"));
        fakeSysfs.driver("e1000e");
        // The fake devices sit on this machine's real /proc, whose /proc/interrupts has no remapped (IR-) rows here:
        // without this, check would rightly predict VFIO refusing the container. These tests are about supervision,
        // so the fake host is one that lets VFIO work without isolation (check warns, it does not refuse).
        try {
            Path param = Files.createDirectories(tmp.resolve("sys/module/vfio_iommu_type1/parameters"));
            Files.writeString(param.resolve("allow_unsafe_interrupts"), "Y\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        sysfs = tmp.resolve("sys/bus/pci/devices");
        guests = Files.createDirectories(tmp.resolve("guests"));
    }

    Map<String, String> env() {
        return Map.of(
                "VMLAUNCH_STATE",
                state.toString(),
                "HOME",
                home.toString(),
                "VMLAUNCH_SYSFS",
                sysfs.getParent().getParent().getParent().toString());
    }

    /** A guest that is a real QEMU with real QMP and console sockets but no machine (see fakes/qemu-machine-none). */
    Path noneGuest(String name, String... managedDevices) throws IOException {
        List<String> pt = new ArrayList<>();
        for (String d : managedDevices) {
            hostDevice(d);
            pt.add("{\"host\": \"" + d + "\", \"managed\": true}");
        }
        return writeGuest(
                name,
                "{\"name\": \"" + name + "\", \"vmm\": \"qemu\", \"accel\": \"tcg\", \"memory\": \"16M\","
                        + " \"binary\": \"" + FAKES.resolve("qemu-machine-none") + "\", \"passthrough\": ["
                        + String.join(", ", pt) + "]}");
    }

    /** A host PCI device in the fake sysfs: an e1000e alone in its IOMMU group. */
    void hostDevice(String bdf) {
        if (!Files.exists(sysfs.resolve(bdf))) {
            fakeSysfs
                    .device(bdf)
                    .vendor("8086")
                    .device("10d3")
                    .cls("020000")
                    .driver("e1000e")
                    .group(nextGroup++);
        }
    }

    Path writeGuest(String name, String json) throws IOException {
        Path f = guests.resolve(name + ".json");
        Files.writeString(f, json);
        return f;
    }

    /** ./vmlaunch ARGS, to completion. */
    VmlaunchProcess vmlaunch(String... args) throws Exception {
        return VmlaunchProcess.run(env(), args);
    }

    /** The environment of the CLI on the test class path: env() with the recording custody chosen. */
    Map<String, String> cliEnv() {
        Map<String, String> e = new java.util.HashMap<>(env());
        e.put(
                dev.vmlaunch.host.DeviceCustody.PROVIDER_ENV,
                dev.vmlaunch.supervise.RecordingCustody.Provider.class.getName());
        return e;
    }

    /** The CLI on the test class path (with RecordingCustody), to completion. */
    VmlaunchProcess cli(String... args) throws Exception {
        return VmlaunchProcess.runCommand(cliEnv(), cliCommand(args));
    }

    static List<String> cliCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.vmlaunch.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    GuestState state(String name) {
        GuestStateFile.Read r = GuestStateFile.read(state.resolve(name).resolve("state.json"));
        if (!r.present()) {
            throw new AssertionError("no readable state for " + name + ": " + r.brokenReason());
        }
        return r.state();
    }

    Optional<GuestState> stateIfReadable(String name) {
        return Optional.ofNullable(
                GuestStateFile.read(state.resolve(name).resolve("state.json")).state());
    }

    /** {@code list --json [--all]} through ./vmlaunch, by name. */
    Map<String, JsonNode> list(boolean all) throws Exception {
        VmlaunchProcess p = all ? vmlaunch("list", "--json", "--all") : vmlaunch("list", "--json");
        if (p.exitCode() != 0) {
            throw new AssertionError("list failed: " + p.transcript());
        }
        JsonNode root = JSON.readTree(p.stdoutText());
        Map<String, JsonNode> byName = new java.util.LinkedHashMap<>();
        root.path("guests").forEach(g -> byName.put(g.path("name").asText(), g));
        return byName;
    }

    List<String> sockets(String name) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(state.resolve(name), "*.sock")) {
            List<String> out = new ArrayList<>();
            ds.forEach(p -> out.add(p.getFileName().toString()));
            return out;
        }
    }

    static boolean alive(long pid, long start) {
        return new ProcessIdentity(pid, start).isAlive();
    }

    static void signal(long pid, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(pid))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor();
    }

    /** Stops every guest still running here, then kills any VMM or supervisor that survived that. */
    @Override
    public void close() throws IOException {
        try {
            VmlaunchProcess.runCommand(cliEnv(), cliCommand("stop", "--all", "--force", "--timeout", "2"));
        } catch (InterruptedException e) {
            // Kept as the thread's status (thrown from close() it could end up a suppressed exception, lost); the
            // processes below are killed all the same.
            Thread.currentThread().interrupt();
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(state)) {
            for (Path d : ds) {
                GuestState s = GuestStateFile.read(d.resolve("state.json")).state();
                if (s == null) {
                    continue;
                }
                s.vmmIdentity().flatMap(ProcessIdentity::handle).ifPresent(ProcessHandle::destroyForcibly);
                s.supervisorIdentity()
                        .handle()
                        .filter(h -> h.pid() != ProcessHandle.current().pid())
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    static String lines(List<String> l) {
        return l.stream().collect(Collectors.joining("\n"));
    }
}
