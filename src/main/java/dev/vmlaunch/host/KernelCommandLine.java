package dev.vmlaunch.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The booted kernel's parameters, from {@code <proc>/cmdline}. */
final class KernelCommandLine {
    private final List<String> words;

    private KernelCommandLine(List<String> words) {
        this.words = words;
    }

    static KernelCommandLine read(Path proc) {
        try {
            String s = Files.readString(proc.resolve("cmdline")).trim();
            // Everything after "--" goes to init, not the kernel.
            int dashes = (" " + s + " ").indexOf(" -- ");
            if (dashes >= 0) {
                s = s.substring(0, Math.max(0, dashes - 1));
            }
            return new KernelCommandLine(s.isEmpty() ? List.of() : Arrays.asList(s.split("\\s+")));
        } catch (IOException e) {
            return new KernelCommandLine(List.of());
        }
    }

    /** The value of {@code name=value} (the last one wins, as in the kernel), or empty. */
    Optional<String> value(String name) {
        Optional<String> v = Optional.empty();
        for (String w : words) {
            if (w.startsWith(name + "=")) {
                v = Optional.of(w.substring(name.length() + 1));
            }
        }
        return v;
    }

    boolean has(String word) {
        return words.contains(word);
    }

    /** Whether a comma-separated option list of {@code name} holds {@code option}, e.g. intel_iommu=on,sm_on. */
    boolean hasOption(String name, String option) {
        return value(name)
                .map(v -> Arrays.asList(v.split(",")).contains(option))
                .orElse(false);
    }
}
