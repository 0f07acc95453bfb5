package dev.vmlaunch.lab;

import dev.vmlaunch.harness.ProgressLog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmlaunch.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The lab's second half, run by the same jar inside the lab host (a q35 guest whose e1000e NICs sit behind an
 * emulated intel IOMMU): the commands a user would type, in order — {@code host check}, {@code groups},
 * {@code bind}, {@code vfio-probe}, a two-guest {@code test}, {@code unbind} — against the lab host's real kernel.
 * Everything it learns goes to the lab folder (a 9p share the outer vmlaunch reads): progress.log, each command's
 * output, report.json, junit.xml.
 */
public final class LabInside {
    private final Path dir;
    private final Path images;
    private final ProgressLog progress;

    LabInside(Path dir, Path images, PrintWriter console) {
        this.dir = dir;
        this.images = images;
        this.progress = new ProgressLog(Instant.now(), console, dir.resolve("progress.log"));
    }

    /** Runs the lab inside; returns the harness's exit code (0: every NIC's interrupts fired in its nested guest). */
    public static int run(Path dir, Path images, PrintWriter console) throws IOException {
        return new LabInside(dir, images, console).run();
    }

    int run() throws IOException {
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        progress.accept("lab host up: kernel " + kernel + ", " + Runtime.getRuntime().availableProcessors()
                + " CPUs; running vmlaunch inside it");
        command("host-check.txt", "host check", "host", "check");
        Result groups = command("groups.json", null, "groups", "--json");
        List<String[]> nics = nics(groups.out());
        command("groups.txt", "groups", "groups");
        if (nics.size() < 2) {
            progress.accept("expected two e1000e NICs (" + LabPlan.NIC + ") in the lab host, found " + nics.size());
            return 1;
        }
        List<String> bdfs = nics.stream().map(n -> n[0]).toList();
        for (String[] n : nics) {
            progress.accept("binding " + n[0] + " to vfio-pci (IOMMU group " + n[1] + ", now on " + n[2] + ")");
        }
        List<String> bind = new ArrayList<>(List.of("bind", "--owner", "lab"));
        bind.addAll(bdfs);
        if (command("bind.txt", "bind", bind.toArray(String[]::new)).code() != 0) {
            return 1;
        }
        for (String[] n : nics) {
            command("vfio-" + n[0].replace(':', '_') + ".txt", "VFIO " + n[0], "vfio-probe", n[1], n[0]);
        }
        int code;
        try {
            code = harness(bdfs);
        } finally {
            List<String> unbind = new ArrayList<>(List.of("unbind"));
            unbind.addAll(bdfs);
            command("unbind.txt", "unbind", unbind.toArray(String[]::new));
        }
        progress.accept("lab host done (exit " + code + ")");
        return code;
    }

    private int harness(List<String> bdfs) throws IOException {
        // The nested guests' share lives on the lab host's own tmpfs: the agent's files never cross 9p twice.
        Path work = Files.createDirectories(Path.of("/run/vmlaunch-lab"));
        Path share = Files.createDirectories(work.resolve("share"));
        List<String> guestFiles = new ArrayList<>();
        for (int i = 0; i < bdfs.size(); i++) {
            String name = "lab-virt" + (i + 1);
            Path f = work.resolve(name + ".json");
            Files.writeString(f, LabPlan.nestedGuest(name, images, share, bdfs.get(i)));
            Files.copy(f, dir.resolve(name + ".json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            guestFiles.add(f.toString());
        }
        Path harness = work.resolve("harness.json");
        Files.writeString(harness, LabPlan.harness("lab-x86_64", guestFiles, "PCI-MSI", List.of(), 900));
        Files.copy(harness, dir.resolve("harness.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        progress.accept("starting two nested guests, each with one NIC through vfio-pci (TCG inside TCG: a minute or two)");
        StringWriter json = new StringWriter();
        Writer progressErr = new LineWriter(progress);
        int code = Main.execute(new String[] {"test", harness.toString(), "--json", "--junit", dir.resolve("junit.xml").toString()},
                new PrintWriter(json, true), new PrintWriter(progressErr, true));
        Files.writeString(dir.resolve("report.json"), json.toString(), StandardCharsets.UTF_8);
        return code;
    }

    /** [address, group, driver] of each e1000e, from `groups --json`. */
    static List<String[]> nics(String groupsJson) throws IOException {
        List<String[]> out = new ArrayList<>();
        JsonNode j = new ObjectMapper().readTree(groupsJson);
        String[] vd = LabPlan.NIC.split(":");
        for (JsonNode g : j.path("groups")) {
            for (JsonNode d : g.path("devices")) {
                if (vd[0].equals(d.path("vendor").asText()) && vd[1].equals(d.path("device").asText())) {
                    out.add(new String[] {d.path("address").asText(), g.path("id").asText(), d.path("driver").asText("none")});
                }
            }
        }
        return out;
    }

    private record Result(int code, String out, String err) {
    }

    /** Runs one vmlaunch command in this JVM; keeps its output in the lab folder and shows it as progress. */
    private Result command(String file, String label, String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        Files.writeString(dir.resolve(file), out + err.toString(), StandardCharsets.UTF_8);
        if (label != null) {
            progress.accept("$ vmlaunch " + String.join(" ", args) + "   (exit " + code + ")");
            (out + err.toString()).lines().filter(l -> !l.isBlank()).forEach(l -> progress.accept("    " + l));
        }
        return new Result(code, out.toString(), err.toString());
    }

    /** Turns what a command writes into progress lines. */
    private static final class LineWriter extends Writer {
        private final ProgressLog progress;
        private final StringBuilder line = new StringBuilder();

        LineWriter(ProgressLog progress) {
            this.progress = progress;
        }

        @Override
        public synchronized void write(char[] cbuf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (cbuf[i] == '\n') {
                    progress.accept("    " + line.toString().replaceFirst("^\\[\\s*[0-9.]+ s\\] ", ""));
                    line.setLength(0);
                } else {
                    line.append(cbuf[i]);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
