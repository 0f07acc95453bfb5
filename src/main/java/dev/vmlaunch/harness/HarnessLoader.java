package dev.vmlaunch.harness;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.ConfigError;
import dev.vmlaunch.config.ConfigException;
import dev.vmlaunch.config.Fields;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.Json;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.config.Problems;
import dev.vmlaunch.drivers.VmmDrivers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Strict loading of harness files, with the same located errors as guest.json (docs/harness-json.md). */
public final class HarnessLoader {
    private static final Set<String> FIELDS = Set.of(
            "name",
            "guests",
            "share",
            "workload",
            "bootTimeout",
            "workloadTimeout",
            "expect",
            "devices",
            "driver",
            "console");
    /** A guest entry that also picks its driver: {"guest": FILE-OR-OBJECT, "driver": ..., "console": {...}}. */
    private static final Set<String> ENTRY_FIELDS = Set.of("guest", "driver", "console");

    private static final Set<String> EXPECT_FIELDS = Set.of("chip", "minVectorsFired", "minTotalDelta", "exitCode");
    private static final Pattern VENDOR_DEVICE = Pattern.compile("[0-9a-fA-F]{4}:[0-9a-fA-F]{4}");
    private static final Pattern CHIP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    private HarnessLoader() {}

    /** The harness and the warnings its guests' files produced. */
    public record Loaded(HarnessSpec spec, List<ConfigError> warnings) {}

    public static Loaded load(Path file) {
        String display = file.toString();
        Path source = file.toAbsolutePath().normalize();
        Json root = JsonReader.read(file, display);
        Problems p = new Problems(display);
        Optional<Fields> of = Fields.of(root, "$", p, FIELDS);
        if (of.isEmpty()) {
            p.throwIfAny();
        }
        Fields f = of.orElseThrow();
        List<ConfigError> warnings = new ArrayList<>();
        List<ConfigError> guestErrors = new ArrayList<>();
        String name = f.text("name").orElse(stem(source));
        f.require("guests", "guest files (paths) or inline guest objects");
        ConsoleSpec.Choice driver = ConsoleFields.choice(f, ConsoleSpec.Choice.AGENT);
        Map<String, ConsoleSpec.Choice> drivers = new HashMap<>();
        List<Optional<ConsoleSpec.Choice>> entryDrivers = new ArrayList<>();
        List<GuestSpec> guests = f.list("guests", (node, path) -> {
            Optional<Fields> entry = node instanceof Json.Obj o && o.members().containsKey("guest")
                    ? Fields.of(node, path, p, ENTRY_FIELDS)
                    : Optional.empty();
            if (entry.isEmpty()) {
                entryDrivers.add(Optional.empty());
                return guest(node, path, source, display, warnings, guestErrors);
            }
            Fields e = entry.get();
            entryDrivers.add(Optional.of(ConsoleFields.choice(e, driver)));
            Optional<Json> g = e.node("guest");
            if (g.isEmpty()) {
                e.error("guest", "expected a guest file (path) or an inline guest object");
                return Optional.empty();
            }
            return guest(g.get(), e.pathOf("guest"), source, display, warnings, guestErrors);
        });
        if (f.has("guests") && guests.isEmpty() && guestErrors.isEmpty() && !p.hasErrors()) {
            f.error("guests", "at least one guest is needed");
        }
        f.require("share", "the tag of the 9p share each guest's agent uses");
        String share = f.text("share").orElse(null);
        f.require("workload", "the shell command each guest runs, with the share as working directory");
        String workload = f.text("workload").orElse(null);
        Duration boot = Duration.ofSeconds(f.integer("bootTimeout", 1, 3600).orElse(300L));
        Duration work =
                Duration.ofSeconds(f.integer("workloadTimeout", 1, 86400).orElse(300L));
        HarnessSpec.Expect expect = expect(f);
        List<String> devices = f.list("devices", (node, path) -> {
            if (node instanceof Json.Str s && VENDOR_DEVICE.matcher(s.value()).matches()) {
                return Optional.of(s.value().toLowerCase(java.util.Locale.ROOT));
            }
            p.error(node.at(), path, "expected \"vendor:device\" in hex, e.g. \"8086:10d3\"");
            return Optional.empty();
        });
        if (guestErrors.isEmpty() && entryDrivers.size() == guests.size()) {
            for (int i = 0; i < guests.size(); i++) {
                int n = i;
                entryDrivers.get(i).ifPresent(c -> drivers.put(guests.get(n).name(), c));
            }
        }
        Set<String> names = new HashSet<>();
        boolean workloadTooLong = false;
        boolean dashTag = false;
        for (int i = 0; i < guests.size(); i++) {
            GuestSpec g = guests.get(i);
            ConsoleSpec.Choice choice = drivers.getOrDefault(g.name(), driver);
            boolean console = choice.kind() == GuestDriverKind.CONSOLE;
            if (console && g.console() == dev.vmlaunch.config.Console.NONE) {
                f.itemError(
                        "guests",
                        i,
                        "console",
                        "guest \"" + g.name() + "\" has \"console\": \"none\"; the "
                                + "console driver types at its serial or virtio console");
            }
            if (console && share != null && share.startsWith("-") && !dashTag) {
                dashTag = true;
                f.error("share", "the tag \"" + share + "\" starts with '-', which mount would read as an option");
            }
            if (console
                    && !workloadTooLong
                    && workload != null
                    && workload.length() > ConsoleFields.MAX_TYPED_WORKLOAD) {
                workloadTooLong = true;
                f.error(
                        "workload",
                        "longer than " + ConsoleFields.MAX_TYPED_WORKLOAD + " characters, too long to type at "
                                + "guest \"" + g.name()
                                + "\"'s console (put it in a script in the share and run that)");
            }
            if (!names.add(g.name())) {
                f.itemError("guests", i, "name", "two guests named \"" + g.name() + "\" (names must differ)");
            }
            if (share != null && g.shares().stream().noneMatch(s -> s.tag().equals(share))) {
                f.itemError(
                        "guests",
                        i,
                        "shares",
                        "guest \"" + g.name() + "\" has no share tagged \"" + share
                                + "\" (its agent talks through it)");
            }
            if (!console && g.shares().stream().anyMatch(s -> s.tag().equals(share) && s.readonly())) {
                f.itemError(
                        "guests",
                        i,
                        "shares",
                        "the share \"" + share + "\" of guest \"" + g.name()
                                + "\" is read-only; the agent writes its results there");
            }
            if (g.passthrough().isEmpty() && devices.isEmpty()) {
                f.itemError(
                        "guests",
                        i,
                        "passthrough",
                        "guest \"" + g.name() + "\" has no device to judge "
                                + "(add a passthrough device, or list emulated ones in $.devices)");
            }
        }
        if (!guestErrors.isEmpty() || p.hasErrors()) {
            List<ConfigError> all = new ArrayList<>(guestErrors);
            try {
                p.throwIfAny();
            } catch (ConfigException e) {
                all.addAll(e.errors());
            }
            throw new ConfigException(all);
        }
        warnings.addAll(p.warnings());
        return new Loaded(
                new HarnessSpec(source, name, guests, share, workload, boot, work, expect, devices, driver, drivers),
                warnings);
    }

    private static Optional<GuestSpec> guest(
            Json node,
            String path,
            Path harness,
            String display,
            List<ConfigError> warnings,
            List<ConfigError> errors) {
        try {
            GuestSpecLoader.Loaded l;
            if (node instanceof Json.Str s) {
                Path file = harness.getParent().resolve(s.value()).normalize();
                l = GuestSpecLoader.load(file, VmmDrivers::rules);
            } else {
                l = GuestSpecLoader.fromJson(node, path, harness, display, Arch.host(), VmmDrivers::rules);
            }
            warnings.addAll(l.warnings());
            return Optional.of(l.spec());
        } catch (ConfigException e) {
            errors.addAll(e.errors());
            return Optional.empty();
        }
    }

    private static HarnessSpec.Expect expect(Fields f) {
        Optional<Json> n = f.node("expect");
        if (n.isEmpty()) {
            return HarnessSpec.Expect.DEFAULT;
        }
        Optional<Fields> ef = Fields.of(n.get(), f.pathOf("expect"), f.problems(), EXPECT_FIELDS);
        if (ef.isEmpty()) {
            return HarnessSpec.Expect.DEFAULT;
        }
        Fields e = ef.get();
        String chip = e.text("chip").orElse(null);
        if (chip != null && !CHIP.matcher(chip).matches()) {
            e.error("chip", "\"" + chip + "\" is not an interrupt chip name such as ITS-MSI or IR-PCI-MSI");
        }
        int vectors = e.integer("minVectorsFired", 0, 2048).orElse(1L).intValue();
        long delta = e.integer("minTotalDelta", 0, Long.MAX_VALUE / 2).orElse(1L);
        int exit = e.integer("exitCode", 0, 255).orElse(0L).intValue();
        return new HarnessSpec.Expect(chip, vectors, delta, exit);
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
    }
}
