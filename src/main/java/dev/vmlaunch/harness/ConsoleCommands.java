package dev.vmlaunch.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The commands the console driver types and the reading of their output. Each is one line of POSIX sh using only
 * what busybox has, short enough for busybox's line editor (1024 bytes), and prints lines of a shape a stray line
 * cannot take by accident (a kernel message without a timestamp, say): lines of any other shape are skipped.
 */
final class ConsoleCommands {
    /** Kernel, arch and CPU count, one {@code key=value} line each. */
    static final String IDENTITY = "printf 'kernel=%s\\narch=%s\\ncpus=%s\\n' \"$(uname -r)\" \"$(uname -m)\" "
            + "\"$(grep -c ^processor /proc/cpuinfo)\"";
    /** Every PCI device as the agent's announcement lists it: {@code device=BDF vendor:device class driver irqs}. */
    static final String DEVICES = "for d in /sys/bus/pci/devices/*; do [ -e $d/vendor ] || continue; "
            + "r=-; [ -e $d/driver ] && r=$(basename $(readlink $d/driver)); "
            + "m=$(ls $d/msi_irqs 2>/dev/null | sort -n | tr '\\n' ,); m=${m%,}; "
            + "echo \"device=${d##*/} $(cat $d/vendor | cut -c3-):$(cat $d/device | cut -c3-) "
            + "$(cat $d/class | cut -c3-) $r ${m:--}\"; done";
    /** One line per device with MSI/MSI-X vectors: {@code BDF irq irq ...}, as the agent's msi_snapshot. */
    static final String MSI = "for d in /sys/bus/pci/devices/*; do [ -d $d/msi_irqs ] || continue; "
            + "echo \"${d##*/} $(ls $d/msi_irqs | sort -n | tr '\\n' ' ')\"; done";

    static final String INTERRUPTS = "cat /proc/interrupts";

    private static final Pattern MSI_LINE =
            Pattern.compile("[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]( \\d{1,9})*");
    private static final Pattern KEY_VALUE = Pattern.compile("(kernel|arch|cpus)=(.{1,200})");

    private ConsoleCommands() {}

    /** Mounts the share unless it is mounted there already; its errors go into the block. */
    static String mount(String tag, String mountPoint, String options) {
        return "grep -q '^" + tag + " " + mountPoint + " 9p ' /proc/mounts || { mkdir -p " + mountPoint
                + " && mount -t 9p -o " + options + " " + tag + " " + mountPoint + "; } 2>&1";
    }

    /** The workload in a subshell, in the share, with no console input to eat (the agent gives it /dev/null too). */
    static String workload(String mountPoint, String workload) {
        return "(cd " + mountPoint + " && " + workload + ") </dev/null 2>&1";
    }

    static GuestAgent.Announcement announcement(FencedBlockReader.Block identity, FencedBlockReader.Block devices) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : identity.lines()) {
            var m = KEY_VALUE.matcher(line.strip());
            if (m.matches()) {
                kv.putIfAbsent(m.group(1), m.group(2));
            }
        }
        int cpus;
        try {
            cpus = Integer.parseInt(kv.getOrDefault("cpus", "0"));
        } catch (NumberFormatException e) {
            cpus = 0;
        }
        List<GuestAgent.PciDevice> found = new ArrayList<>();
        for (String line : devices.lines()) {
            String l = line.strip();
            if (l.startsWith("device=")) {
                try {
                    GuestAgent.PciDevice.parse(l.substring(7)).ifPresent(found::add);
                } catch (RuntimeException e) {
                    // A device line with a broken IRQ list: skipped like any other stray line.
                }
            }
        }
        return new GuestAgent.Announcement(
                kv.getOrDefault("kernel", "?"), kv.getOrDefault("arch", "?"), cpus, List.copyOf(found));
    }

    /** The MSI snapshot's lines, stray lines left out, in the agent's format for {@link GuestAgent#msi}. */
    static String msiText(FencedBlockReader.Block b) {
        StringBuilder out = new StringBuilder();
        for (String line : b.lines()) {
            String l = line.strip();
            if (MSI_LINE.matcher(l).matches()) {
                out.append(l).append('\n');
            }
        }
        return out.toString();
    }

    /** /proc/interrupts with every line that is not its header or one of its rows left out. */
    static String interruptsText(FencedBlockReader.Block b) {
        return ProcInterrupts.tableLines(b.text());
    }

    static Optional<String> problem(String what, FencedBlockReader.Block b) {
        if (b.status() == 0) {
            return Optional.empty();
        }
        String out = String.join(
                " | ",
                b.lines().stream()
                        .filter(l -> !l.isBlank())
                        .limit(4)
                        .map(Irqs::clip)
                        .toList());
        return Optional.of(what + " failed with status " + b.status() + (out.isEmpty() ? "" : ": " + out));
    }
}
