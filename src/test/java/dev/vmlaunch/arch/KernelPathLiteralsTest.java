package dev.vmlaunch.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * host.HostRoots is where every sysfs and /proc path starts (its roots move to fake trees in tests, and it says which
 * reads are the running kernel's own). A string literal that spells "/proc" or "/sys" anywhere else in the main
 * sources is a read that bypasses it; the few literals that are no read of this host's trees are listed here, each
 * with why.
 */
class KernelPathLiteralsTest {
    /** "/proc", "/sys", "/proc/...", "/sys && ...": not "/sysfs" or "/system". */
    private static final Pattern KERNEL_PATH = Pattern.compile("^/(proc|sys)(?![A-Za-z0-9_.-]).*", Pattern.DOTALL);

    /** Main source files (under dev/vmlaunch) whose such literals are not this host's trees, and why. */
    static final Map<String, String> NOT_THIS_HOSTS_TREES = Map.of(
            "host/HostRoots.java", "the roots themselves",
            "Users.java", "this process's uid from /proc/self: below the host layer (state uses it), so no HostRoots",
            "lab/LabPlan.java", "shell commands the nested guests run against their own kernel",
            "lava/LavaJob.java", "shell steps the LAVA device runs while it builds its root",
            "lab/LabHostJar.java", "the folders the lab host's init mounts over: compared with a jar path, never read",
            "vfio/VfioErrors.java", "remedies: the sysfs paths a user types on the real host");

    @Test
    void noKernelPathIsSpelledOutsideHostRoots() throws IOException {
        Path base = Path.of("src/main/java/dev/vmlaunch");
        Map<String, List<String>> found = new TreeMap<>();
        try (Stream<Path> files = Files.walk(base)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                List<String> hits = kernelPathLiterals(Files.readString(f, StandardCharsets.UTF_8));
                if (!hits.isEmpty()) {
                    found.put(base.relativize(f).toString(), hits);
                }
            }
        }
        Map<String, List<String>> unexplained = new TreeMap<>(found);
        unexplained.keySet().removeAll(NOT_THIS_HOSTS_TREES.keySet());
        assertEquals(
                Map.of(),
                unexplained,
                "a sysfs or /proc path outside host.HostRoots: start it at HostRoots.fromEnvironment() (what a check"
                        + " reads) or HostRoots.KERNEL (this JVM's own process, the VMMs it started)");
        TreeSet<String> stale = new TreeSet<>(NOT_THIS_HOSTS_TREES.keySet());
        stale.removeAll(found.keySet());
        assertEquals(new TreeSet<>(), stale, "listed as exceptions but spell no such path any more: drop them");
    }

    @Test
    void theScanSeesLiteralsButNotCommentsOrLookalikes() {
        String source = "class A {\n"
                + "  // Path.of(\"/proc/self\") in a comment\n"
                + "  /* \"/sys/bus\" in a block comment */\n"
                + "  Path a = Path.of(\"/proc/self/stat\");\n"
                + "  String b = \"/sysfs is a word\" + \"x /proc\" + '\"';\n"
                + "  String c = \"a \\\" quote\" + \"/sys\";\n"
                + "  String d = \"\"\"\n      /proc/interrupts\n      \"\"\";\n"
                + "}\n";
        assertEquals(
                List.of("4: /proc/self/stat", "6: /sys", "8: /proc/interrupts\n      "), kernelPathLiterals(source));
    }

    /** Each string literal (and text block) whose text starts with a kernel path, as "LINE: text". */
    static List<String> kernelPathLiterals(String src) {
        List<String> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (src.startsWith("//", i)) {
                int end = src.indexOf('\n', i);
                i = end < 0 ? src.length() : end;
            } else if (src.startsWith("/*", i)) {
                int end = src.indexOf("*/", i + 2);
                end = end < 0 ? src.length() : end + 2;
                line += count(src, i, end);
                i = end;
            } else if (c == '\'') {
                int end = i + 1;
                while (end < src.length() && src.charAt(end) != '\'') {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                i = end + 1;
            } else if (src.startsWith("\"\"\"", i)) {
                int start = src.indexOf('\n', i) + 1;
                int end = src.indexOf("\"\"\"", start);
                String text = src.substring(start, end).stripLeading();
                if (KERNEL_PATH.matcher(text).matches()) {
                    out.add((line + 1) + ": " + text);
                }
                line += count(src, i, end);
                i = end + 3;
            } else if (c == '"') {
                StringBuilder text = new StringBuilder();
                int end = i + 1;
                while (src.charAt(end) != '"') {
                    if (src.charAt(end) == '\\') {
                        text.append(src.charAt(end + 1));
                        end += 2;
                    } else {
                        text.append(src.charAt(end++));
                    }
                }
                if (KERNEL_PATH.matcher(text).matches()) {
                    out.add(line + ": " + text);
                }
                i = end + 1;
            } else {
                i++;
            }
        }
        return out;
    }

    private static int count(String s, int from, int to) {
        int n = 0;
        for (int k = from; k < to; k++) {
            n += s.charAt(k) == '\n' ? 1 : 0;
        }
        return n;
    }
}
