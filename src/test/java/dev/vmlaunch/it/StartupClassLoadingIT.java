package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
}
