package dev.vmlaunch.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmlaunch.qmp.QmpClient;
import dev.vmlaunch.qmp.QmpException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a stalled lab host's QEMU says about it, kept as {@code stall.txt} in the lab folder: its run state and two
 * register samples of every vCPU a second apart, which tell a halted lab host from one spinning in its kernel.
 */
final class LabStall {
    static final String FILE = "stall.txt";
    private static final Duration ANSWER = Duration.ofSeconds(5);
    /** HMP output kept per sample; the registers of two vCPUs are a few KiB. */
    private static final int MAX_SAMPLE = 64 * 1024;
    /** One vCPU's block starts "CPU#0"; the fields that say where it is: x86 RIP (EIP before long mode)/CPL/HLT, arm64 PC. */
    private static final Pattern CPU = Pattern.compile("(?m)^CPU#(\\d+)");

    private static final Pattern FIELD = Pattern.compile("\\b(RIP|EIP|CPL|HLT|PC)=(\\S+)");

    private LabStall() {}

    /** The lab host stopped beating: QEMU's view of it. */
    static final class StalledException extends Exception {
        private static final long serialVersionUID = 1L;

        StalledException(String message) {
            super(message);
        }
    }

    /** Asks the lab host's QEMU; writes what it said to {@code folder}/stall.txt; returns a one-line summary. */
    static String diagnose(Path qmpSocket, Path folder) throws InterruptedException {
        StringBuilder file = new StringBuilder();
        String summary;
        try (QmpClient qmp = QmpClient.connect(qmpSocket, ANSWER)) {
            String status = qmp.queryStatus(ANSWER).status();
            file.append("query-status: ").append(status).append('\n');
            String first = registers(qmp);
            Thread.sleep(1000);
            String second = registers(qmp);
            file.append("\ninfo registers -a (first sample)\n").append(first);
            file.append("\ninfo registers -a (a second later)\n").append(second);
            summary = "QEMU says " + status + "; " + String.join(", ", where(first, second));
        } catch (QmpException e) {
            summary = "its QEMU did not answer on " + qmpSocket + ": " + e.getMessage();
            file.append(summary).append('\n');
        }
        try {
            Files.writeString(folder.resolve(FILE), file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            summary += " (cannot write " + folder.resolve(FILE) + ": " + e.getMessage() + ")";
        }
        return summary;
    }

    private static String registers(QmpClient qmp) throws QmpException, InterruptedException {
        JsonNode r = qmp.execute("human-monitor-command", Map.of("command-line", "info registers -a"), ANSWER);
        String text = r.asText("");
        return text.length() > MAX_SAMPLE ? text.substring(0, MAX_SAMPLE) : text;
    }

    /** Per vCPU: its fields in the first sample, and whether its instruction pointer moved by the second. */
    static List<String> where(String first, String second) {
        List<Map<String, String>> a = perCpu(first);
        List<Map<String, String>> b = perCpu(second);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            Map<String, String> f = a.get(i);
            String ip = f.containsKey("RIP") ? "RIP" : f.containsKey("EIP") ? "EIP" : "PC";
            StringBuilder s = new StringBuilder("vCPU ").append(i);
            f.forEach((k, v) -> s.append(' ').append(k).append('=').append(v));
            if (i < b.size() && f.get(ip) != null) {
                String later = b.get(i).get(ip);
                s.append(
                        f.get(ip).equals(later)
                                ? " (" + ip + " unchanged a second later)"
                                : " (" + ip + " " + later + " a second later)");
            }
            out.add(s.toString());
        }
        if (out.isEmpty()) {
            out.add("no vCPU registers in its answer");
        }
        return out;
    }

    private static List<Map<String, String>> perCpu(String text) {
        List<Map<String, String>> cpus = new ArrayList<>();
        Matcher m = CPU.matcher(text);
        List<Integer> starts = new ArrayList<>();
        while (m.find()) {
            starts.add(m.start());
        }
        for (int i = 0; i < starts.size(); i++) {
            String block = text.substring(starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) : text.length());
            Map<String, String> fields = new java.util.LinkedHashMap<>();
            Matcher f = FIELD.matcher(block);
            while (f.find()) {
                fields.putIfAbsent(f.group(1), f.group(2));
            }
            cpus.add(fields);
        }
        return cpus;
    }
}
