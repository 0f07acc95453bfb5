package dev.vmlaunch.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Builds native-headers/vfio_layout.c with the host's gcc against its linux/vfio.h and compares every number it
 * prints with {@link VfioAbi#table()}: ioctl numbers, struct sizes and field offsets, flags, indexes, errno.
 */
class VfioAbiIT {
    private static final Path ROOT = Path.of(System.getProperty("vmlaunch.root", System.getProperty("user.dir")));

    @Test
    void javaConstantsMatchTheKernelHeader() throws Exception {
        Map<String, Long> header = parse(run(compile()));
        Map<String, Long> java = VfioAbi.table();

        List<String> problems = new ArrayList<>();
        for (String name : new TreeSet<>(header.keySet())) {
            if (!java.containsKey(name)) {
                problems.add(name + ": printed by vfio_layout.c, missing from VfioAbi.table()");
            } else if (!java.get(name).equals(header.get(name))) {
                problems.add(name + ": header says " + header.get(name) + ", Java says " + java.get(name));
            }
        }
        for (String name : java.keySet()) {
            if (!header.containsKey(name)) {
                problems.add(name + ": in VfioAbi.table(), not checked by vfio_layout.c");
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(header.size() >= 60, "the program printed only " + header.size() + " values");
    }

    private static Path compile() throws Exception {
        Path source = ROOT.resolve("native-headers/vfio_layout.c");
        assertTrue(Files.isRegularFile(source), "missing " + source);
        Path out = ROOT.resolve("target/native-headers");
        Files.createDirectories(out);
        Path exe = out.resolve("vfio_layout");
        Result r;
        try {
            r = exec(List.of(
                    "gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", exe.toString(), source.toString()));
        } catch (IOException e) {
            return fail("VfioAbiIT needs gcc to compile " + source + " (apt-get install gcc linux-libc-dev): " + e);
        }
        if (r.exit != 0) {
            String hint = r.output.contains("linux/vfio.h")
                    ? "the kernel UAPI headers are missing (apt-get install linux-libc-dev)"
                    : "gcc failed";
            fail(hint + ":\n" + r.output);
        }
        return exe;
    }

    private static String run(Path exe) throws Exception {
        Result r = exec(List.of(exe.toString()));
        assertEquals(0, r.exit, r.output);
        return r.output;
    }

    private static Map<String, Long> parse(String output) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int eq = line.indexOf('=');
            assertTrue(eq > 0, "not NAME=VALUE: " + line);
            Long previous = values.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
            assertEquals(null, previous, "printed twice: " + line);
        }
        return values;
    }

    private record Result(int exit, String output) {}

    private static Result exec(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(argv.get(0) + " did not finish");
        }
        return new Result(p.exitValue(), output);
    }
}
