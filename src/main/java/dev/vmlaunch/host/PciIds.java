package dev.vmlaunch.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Vendor, device and class names from the pci.ids database (pciutils / hwdata). Optional: without the file
 * vmlaunch prints numbers and built-in class names. Read once, on the first lookup, since most commands never
 * print names.
 */
public final class PciIds {
    public static final List<Path> DEFAULT_LOCATIONS = List.of(
            Path.of("/usr/share/misc/pci.ids"), Path.of("/usr/share/hwdata/pci.ids"), Path.of("/usr/share/pci.ids"));

    private final List<Path> candidates;
    private Map<String, String> vendors;
    private Map<String, String> devices;
    private Map<String, String> classes;

    public PciIds(List<Path> candidates) {
        this.candidates = List.copyOf(candidates);
    }

    /**
     * The system's database, parsed once per JVM: the lab runs every command in one JVM inside a TCG guest, where
     * parsing pci.ids (~1.3 MB) costs seconds each time.
     */
    public static PciIds system() {
        return SYSTEM;
    }

    private static final PciIds SYSTEM = new PciIds(DEFAULT_LOCATIONS);

    public static PciIds none() {
        return new PciIds(List.of());
    }

    public Optional<String> vendor(String vendor) {
        load();
        return Optional.ofNullable(vendors.get(vendor));
    }

    public Optional<String> device(String vendor, String device) {
        load();
        return Optional.ofNullable(devices.get(vendor + ":" + device));
    }

    /** The subclass name for a 16-bit base+subclass code, from pci.ids or the built-in table. */
    public String className(int baseAndSub) {
        load();
        String n = classes.get(String.format("%04x", baseAndSub));
        return n != null ? n : PciClassNames.name(baseAndSub);
    }

    /** "NVIDIA Corporation GM204 [GeForce GTX 970]", or empty when pci.ids does not know the vendor. */
    public Optional<String> describe(PciDevice d) {
        Optional<String> v = vendor(d.vendor());
        if (v.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(v.get() + " " + device(d.vendor(), d.device()).orElse("Device " + d.device()));
    }

    private synchronized void load() {
        if (vendors != null) {
            return;
        }
        vendors = new HashMap<>();
        devices = new HashMap<>();
        classes = new HashMap<>();
        for (Path p : candidates) {
            if (Files.isReadable(p)) {
                try {
                    parse(p);
                    return;
                } catch (IOException e) {
                    vendors.clear();
                    devices.clear();
                    classes.clear();
                }
            }
        }
    }

    private void parse(Path file) throws IOException {
        String vendor = null;
        String cls = null;
        // An InputStreamReader replaces bad bytes instead of failing on them.
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("C ")) {
                    // "C 03  Display controller"
                    vendor = null;
                    cls = line.length() >= 4 ? line.substring(2, 4).toLowerCase(Locale.ROOT) : null;
                } else if (!line.startsWith("\t")) {
                    cls = null;
                    if (line.length() > 6 && line.charAt(4) == ' ') {
                        vendor = line.substring(0, 4).toLowerCase(Locale.ROOT);
                        vendors.put(vendor, line.substring(4).trim());
                    } else {
                        vendor = null;
                    }
                } else if (!line.startsWith("\t\t")) {
                    String rest = line.substring(1);
                    if (vendor != null && rest.length() > 6 && rest.charAt(4) == ' ') {
                        devices.put(
                                vendor + ":" + rest.substring(0, 4).toLowerCase(Locale.ROOT),
                                rest.substring(4).trim());
                    } else if (cls != null && rest.length() > 4 && rest.charAt(2) == ' ') {
                        classes.put(
                                cls + rest.substring(0, 2).toLowerCase(Locale.ROOT),
                                rest.substring(2).trim());
                    }
                }
            }
        }
    }
}
