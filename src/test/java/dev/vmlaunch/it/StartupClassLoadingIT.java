package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** `print` and `list` are the commands people run in loops: they must never pay for jnr-ffi's native setup. */
class StartupClassLoadingIT {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "print --json examples/hello-x86_64.json",
                "print examples/gpu-passthrough-x86_64.json",
                "print --json src/test/resources/libvirt/x86-q35-pinned.json",
                "--help"
            })
    void commandDoesNotLoadJnr(String args) throws Exception {
        Path jar = Path.of(System.getProperty("vmlaunch.jar", "target/vmlaunch.jar"));
        List<String> cmd = new ArrayList<>(List.of("java", "-verbose:class", "-jar", jar.toString()));
        cmd.addAll(List.of(args.split(" ")));
        Process p = new ProcessBuilder(cmd)
                .directory(VmlaunchProcess.ROOT.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("dev.vmlaunch.cli.Main"), "class loading was logged");
        List<String> jnr = out.lines()
                .filter(l -> l.contains(" jnr.") || l.contains(" com.kenai.jffi"))
                .toList();
        assertTrue(jnr.isEmpty(), "loaded: " + jnr);
    }

    /**
     * {@code list} with guests reads a state.json per guest: on jackson-core's streaming parser, never databind's
     * ObjectMapper (some 400 classes and their reflection; it once cost {@code list} about 115 ms of CPU).
     */
    @ParameterizedTest
    @ValueSource(strings = {"list --all", "list --all --json", "list"})
    void listWithAGuestDoesNotLoadDatabind(String args, @TempDir Path state) throws Exception {
        Path guest = Files.createDirectories(state.resolve("cds-training"));
        Files.copy(VmlaunchProcess.ROOT.resolve("src/main/cds/training-state.json"), guest.resolve("state.json"));
        Path jar = Path.of(System.getProperty("vmlaunch.jar", "target/vmlaunch.jar"));
        List<String> cmd = new ArrayList<>(List.of("java", "-verbose:class", "-jar", jar.toString()));
        cmd.addAll(List.of(args.split(" ")));
        ProcessBuilder pb =
                new ProcessBuilder(cmd).directory(VmlaunchProcess.ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("VMLAUNCH_STATE", state.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("dev.vmlaunch.supervise.GuestStateJson"), "the state file was read: " + out);
        if (args.contains("--all")) {
            assertTrue(out.contains("cds-training"), "the stopped guest is listed: " + out);
        }
        List<String> databind = out.lines()
                .filter(l -> l.contains(" com.fasterxml.jackson.databind."))
                .toList();
        assertTrue(databind.isEmpty(), "loaded: " + databind);
    }
}
