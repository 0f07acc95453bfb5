package dev.vmlaunch.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Code that only uses the probe's interface and records, and the CLI around it, never loads a jnr class. */
class VfioWithoutJnrIT {

    @Test
    void theApiAndTheCliLoadNoJnrClass() throws Exception {
        List<String> out = childJvm("api");

        assertTrue(
                out.stream().anyMatch(l -> l.startsWith("msix=5 ") && l.endsWith(" exits=0,0,2")),
                "the child did its work: " + tail(out));
        assertTrue(
                out.stream().anyMatch(l -> l.contains("[class,load] dev.vmlaunch.vfio.VfioReport ")),
                "-verbose:class output is there to inspect");
        assertEquals(List.of(), jnrLines(out));
    }

    @Test
    void creatingTheSystemProbeDoesLoadJnrSoTheCheckAboveCanFail(@TempDir Path emptyDev) throws Exception {
        List<String> out = childJvm("system", emptyDev.toString());

        assertTrue(out.stream().anyMatch(l -> l.startsWith("probe said: ") && l.contains("does not exist")), tail(out));
        assertTrue(jnrLines(out).stream().anyMatch(l -> l.contains("jnr.ffi.LibraryLoader")), tail(out));
    }

    private static List<String> jnrLines(List<String> out) {
        return out.stream()
                .filter(l -> l.contains("[class,load] jnr.") || l.contains("[class,load] com.kenai.jffi."))
                .toList();
    }

    private static String tail(List<String> out) {
        return String.join("\n", out.subList(Math.max(0, out.size() - 20), out.size()));
    }

    private static List<String> childJvm(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-verbose:class",
                "-Xshare:off",
                "-cp",
                System.getProperty("java.class.path"),
                NoJnrMain.class.getName()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("child JVM did not finish");
        }
        assertEquals(0, p.exitValue(), text);
        return text.lines().toList();
    }
}
