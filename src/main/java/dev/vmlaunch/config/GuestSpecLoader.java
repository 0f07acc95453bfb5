package dev.vmlaunch.config;

import dev.vmlaunch.config.GuestSpec.Cpu;
import dev.vmlaunch.config.GuestSpec.Device;
import dev.vmlaunch.config.GuestSpec.Disk;
import dev.vmlaunch.config.GuestSpec.Firmware;
import dev.vmlaunch.config.GuestSpec.Passthrough;
import dev.vmlaunch.config.GuestSpec.Share;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads guest.json (version 1) strictly: unknown fields, wrong types, bad enums, out-of-range numbers, bad PCI
 * addresses, duplicates and options the chosen VMM or architecture cannot honour are all errors, reported
 * together with file:line:col and JSON path. See docs/guest-json.md.
 */
public final class GuestSpecLoader {
    static final Set<String> FIELDS = new LinkedHashSet<>(List.of(
            "name",
            "vmm",
            "arch",
            "binary",
            "accel",
            "machine",
            "cpus",
            "memory",
            "kernel",
            "initrd",
            "cmdline",
            "firmware",
            "console",
            "irqchip",
            "viommu",
            "mte",
            "cpu",
            "vga",
            "disks",
            "cdrom",
            "shares",
            "network",
            "devices",
            "passthrough",
            "extraArgs",
            AffinityFields.CPU_AFFINITY,
            AffinityFields.VCPU_PIN,
            "stop",
            "hotplugSlots"));
    private static final Set<String> STOP_FIELDS = Set.of("consoleCommand");
    /** Longest stop.consoleCommand: one line a shell reads at once (a tty's canonical line holds 4095 bytes). */
    static final int MAX_CONSOLE_COMMAND = 256;

    private static final Set<String> CPU_FIELDS = Set.of("model", "hideHypervisor", "hypervVendorId");
    private static final Set<String> DISK_FIELDS = Set.of("path", "readonly", "format");
    private static final Set<String> SHARE_FIELDS = Set.of("path", "tag", "readonly", "security");
    private static final Set<String> DEVICE_FIELDS = Set.of("model", "id", "netdev", "props");
    private static final Set<String> PASSTHROUGH_FIELDS =
            Set.of("host", "managed", "multifunction", "xVga", "romfile", "rombar", "minMsiVectors");
    private static final Set<String> FIRMWARE_FIELDS = Set.of("code", "vars");

    private static final Pattern NAME = Pattern.compile(GuestSpec.NAME_PATTERN);
    /** Identifiers that go into qemu option strings: no commas, no '=', nothing a parser could split on. */
    private static final Pattern IDENT = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_.-]{1,31}");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern CPU_MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern FORMAT = Pattern.compile("raw|qcow2|vmdk|vdi|vhdx|qed");
    private static final Pattern MEMORY = Pattern.compile("(\\d+)\\s*([KMGT]i?B?|[kmgt])?");
    private static final long MIN_MEMORY_MIB = 16;
    private static final long MAX_MEMORY_MIB = 16L * 1024 * 1024;

    private GuestSpecLoader() {}

    /** The result: the spec and the warnings found while loading it (printed on stderr by the CLI). */
    public record Loaded(GuestSpec spec, List<ConfigError> warnings) {}

    /**
     * Loads {@code file}, naming it in errors as the user typed it.
     *
     * @param rules what each VMM accepts and fills in (the registry's: {@code drivers.VmmDrivers::rules})
     */
    public static Loaded load(Path file, VmmRules.Lookup rules) {
        String display = file.toString();
        Json root = JsonReader.read(file, display);
        return fromJson(root, file.toAbsolutePath().normalize(), display, Arch.host(), rules);
    }

    /** Validates an already-parsed tree; relative paths resolve against {@code source}'s folder. */
    public static Loaded fromJson(
            Json root, Path source, String display, Optional<Arch> hostArch, VmmRules.Lookup rules) {
        return fromJson(root, "$", source, display, hostArch, rules);
    }

    /**
     * Validates a guest object found at {@code rootPath} of some file (a harness file's inline guest, say), so that
     * errors name their real place: {@code $.guests[1].cpus}.
     */
    public static Loaded fromJson(
            Json root, String rootPath, Path source, String display, Optional<Arch> hostArch, VmmRules.Lookup rules) {
        Problems p = new Problems(display);
        if (!(root instanceof Json.Obj)) {
            p.error(
                    root.at(),
                    rootPath,
                    ("$".equals(rootPath) ? "the top level" : "a guest") + " must be an object, found " + root.kind());
            p.throwIfAny();
        }
        GuestSpec spec = new Reader(p, source.getParent() == null ? Path.of("/") : source.getParent(), hostArch, rules)
                .read(root, rootPath, source);
        p.throwIfAny();
        return new Loaded(spec, p.warnings());
    }

    /** Parses a memory size: an integer (MiB) or a string such as "512M", "4G", "2GiB". Empty when invalid. */
    public static Optional<Long> parseMemoryMiB(String text) {
        Matcher m = MEMORY.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String unit = m.group(2) == null ? "M" : m.group(2).substring(0, 1).toUpperCase(Locale.ROOT);
        try {
            return switch (unit) {
                case "K" -> n % 1024 == 0 ? Optional.of(n / 1024) : Optional.empty();
                case "M" -> Optional.of(n);
                case "G" -> Optional.of(Math.multiplyExact(n, 1024L));
                case "T" -> Optional.of(Math.multiplyExact(n, 1024L * 1024));
                default -> Optional.empty();
            };
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
    }

    /** One pass over one file. */
    private static final class Reader {
        private final Problems p;
        private final Path baseDir;
        private final Optional<Arch> hostArch;
        private final VmmRules.Lookup rules;

        Reader(Problems p, Path baseDir, Optional<Arch> hostArch, VmmRules.Lookup rules) {
            this.p = p;
            this.baseDir = baseDir;
            this.hostArch = hostArch;
            this.rules = rules;
        }

        GuestSpec read(Json root, String rootPath, Path source) {
            Fields f = Fields.of(root, rootPath, p, FIELDS).orElseThrow();

            f.require("name", "a guest name matching " + GuestSpec.NAME_PATTERN);
            String name = f.text("name")
                    .filter(n -> matches(
                            f,
                            "name",
                            n,
                            NAME,
                            "must match " + GuestSpec.NAME_PATTERN + " (letters, digits, '_', '.', '-'; at most 64)"))
                    .orElse(null);

            f.require("vmm", "one of: " + JsonEnum.allowed(Vmm.class));
            Vmm vmm = f.enumValue("vmm", Vmm.class).orElse(null);
            VmmRules vmmRules = vmm == null ? null : rules.of(vmm);

            Arch arch = f.enumValue("arch", Arch.class).orElse(null);
            if (arch == null && !f.has("arch")) {
                arch = hostArch.orElse(null);
                if (arch == null) {
                    p.error(
                            f.at(),
                            f.pathOf("arch"),
                            "this host's architecture (" + System.getProperty("os.arch")
                                    + ") has no default: set \"arch\" (one of: " + JsonEnum.allowed(Arch.class) + ")");
                }
            }

            String binary = f.text("binary").orElse(null);
            Accel accel = f.enumValue("accel", Accel.class).orElse(null);
            Machine machine = f.enumValue("machine", Machine.class).orElse(null);
            int cpus = f.integer("cpus", 1, 512).map(Long::intValue).orElse(1);
            long memory = memory(f).orElse(512L);
            Path kernel = path(f, "kernel");
            Path initrd = path(f, "initrd");
            String cmdline = f.string("cmdline").orElse(null);
            if (cmdline != null && cmdline.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
                f.error("cmdline", "must be one line (no control characters)");
            }
            Firmware firmware = firmware(f);
            Console console = f.enumValue("console", Console.class).orElse(Console.SERIAL);
            IrqChip irqchip = f.enumValue("irqchip", IrqChip.class).orElse(null);
            Viommu viommu = f.enumValue("viommu", Viommu.class).orElse(Viommu.NONE);
            Boolean mte = f.bool("mte").orElse(null);
            Cpu cpu = cpu(f);
            String vga = f.text("vga")
                    .filter(v -> matches(f, "vga", v, IDENT, "must be a qemu VGA type such as none, std, virtio"))
                    .orElse(null);
            List<Disk> disks = f.list("disks", this::disk);
            Path cdrom = path(f, "cdrom");
            List<Share> shares = f.list("shares", this::share);
            Network network = f.enumValue("network", Network.class).orElse(null);
            List<Device> devices = f.list("devices", this::device);
            List<Passthrough> passthrough = f.list("passthrough", this::passthrough);
            List<String> extraArgs = f.list("extraArgs", this::extraArg);
            Affinity affinity = AffinityFields.read(f, cpus);
            GuestSpec.Stop stop = stop(f);
            if (vmmRules != null) {
                vmmRules.checkStop(f);
            }
            int hotplugSlots = f.integer("hotplugSlots", 0, GuestSpec.MAX_HOTPLUG_SLOTS)
                    .map(Long::intValue)
                    .orElse(0);

            if (f.has("initrd") && !f.has("kernel")) {
                f.error("initrd", "an initrd needs a kernel (set \"kernel\")");
            }
            if (f.has("cmdline") && !f.has("kernel")) {
                f.error("cmdline", "a kernel command line needs a kernel (set \"kernel\")");
            }
            duplicates(f, shares, disks, devices, passthrough);

            GuestSpec draft = new GuestSpec(
                    source,
                    name,
                    vmm,
                    arch,
                    binary,
                    accel,
                    machine,
                    cpus,
                    memory,
                    new GuestSpec.Boot(kernel, initrd, cmdline, firmware),
                    console,
                    irqchip,
                    viommu,
                    mte,
                    cpu,
                    vga,
                    new GuestSpec.Storage(disks, cdrom),
                    shares,
                    network,
                    devices,
                    passthrough,
                    extraArgs,
                    affinity,
                    stop,
                    hotplugSlots);
            GuestSpec spec = vmmRules != null && arch != null ? vmmRules.check(f, draft, hostArch) : draft;
            return p.hasErrors() ? null : spec;
        }

        private Optional<Long> memory(Fields f) {
            Optional<Json> n = f.node("memory");
            if (n.isEmpty()) {
                return Optional.empty();
            }
            String expected = "an integer (MiB) or a string like \"512M\" or \"4G\"";
            if (n.get() instanceof Json.Num num) {
                return Fields.checkInteger(num, f.pathOf("memory"), MIN_MEMORY_MIB, MAX_MEMORY_MIB, p);
            }
            if (!(n.get() instanceof Json.Str s)) {
                f.error("memory", "expected " + expected + ", found " + n.get().kind());
                return Optional.empty();
            }
            Optional<Long> mib = parseMemoryMiB(s.value());
            if (mib.isEmpty()) {
                f.error("memory", "\"" + s.value() + "\" is not a memory size (" + expected + ")");
                return Optional.empty();
            }
            if (mib.get() < MIN_MEMORY_MIB || mib.get() > MAX_MEMORY_MIB) {
                f.error("memory", "out of range: " + s.value() + " (allowed 16M..16T)");
                return Optional.empty();
            }
            return mib;
        }

        private Firmware firmware(Fields f) {
            Optional<Json> n = f.node("firmware");
            if (n.isEmpty()) {
                return null;
            }
            if (n.get() instanceof Json.Str) {
                Path code = path(f, "firmware");
                return code == null ? null : new Firmware(code, null, false);
            }
            if (!(n.get() instanceof Json.Obj)) {
                f.error(
                        "firmware",
                        "expected a path (string) or {\"code\", \"vars\"} (an OVMF pflash pair), found "
                                + n.get().kind());
                return null;
            }
            Optional<Fields> ff = Fields.of(n.get(), f.pathOf("firmware"), p, FIRMWARE_FIELDS);
            if (ff.isEmpty()) {
                return null;
            }
            ff.get().require("code", "the read-only firmware image, e.g. OVMF_CODE.fd");
            ff.get().require("vars", "a writable copy of the variable store, e.g. a copy of OVMF_VARS.fd");
            Path code = path(ff.get(), "code");
            Path vars = path(ff.get(), "vars");
            return code == null || vars == null ? null : new Firmware(code, vars, true);
        }

        /**
         * {"consoleCommand": "poweroff"}: a line typed on the guest's console; null or "" turns that step off. One
         * line of printable text: it goes to the guest's shell as typed.
         */
        private GuestSpec.Stop stop(Fields f) {
            Optional<Json> n = f.node("stop");
            if (n.isEmpty()) {
                return GuestSpec.Stop.DEFAULT;
            }
            Optional<Fields> sf = Fields.of(n.get(), f.pathOf("stop"), p, STOP_FIELDS);
            if (sf.isEmpty()) {
                return GuestSpec.Stop.DEFAULT;
            }
            Fields s = sf.get();
            if (s.node("consoleCommand").isEmpty()) {
                // Absent keeps the default; an explicit null turns the step off.
                return s.isNull("consoleCommand") ? new GuestSpec.Stop(null) : GuestSpec.Stop.DEFAULT;
            }
            String c = s.string("consoleCommand").orElse(null);
            if (c == null) {
                return GuestSpec.Stop.DEFAULT;
            }
            if (c.isEmpty()) {
                return new GuestSpec.Stop(null);
            }
            if (c.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
                s.error("consoleCommand", "must be one line of text (no control characters: vmlaunch adds the Enter)");
            } else if (c.length() > MAX_CONSOLE_COMMAND) {
                s.error("consoleCommand", "must be at most " + MAX_CONSOLE_COMMAND + " characters");
            } else if (c.isBlank()) {
                s.error("consoleCommand", "must not be only spaces (use \"\" or null to skip typing a command)");
            }
            return new GuestSpec.Stop(c);
        }

        private Cpu cpu(Fields f) {
            Optional<Json> n = f.node("cpu");
            if (n.isEmpty()) {
                return Cpu.DEFAULT;
            }
            Optional<Fields> cf = Fields.of(n.get(), f.pathOf("cpu"), p, CPU_FIELDS);
            if (cf.isEmpty()) {
                return Cpu.DEFAULT;
            }
            Fields c = cf.get();
            String model = c.text("model")
                    .filter(m -> matches(
                            c, "model", m, CPU_MODEL, "must be a qemu CPU model such as host, max, Skylake-Server"))
                    .orElse(null);
            boolean hide = c.bool("hideHypervisor").orElse(false);
            String vendor = c.text("hypervVendorId").orElse(null);
            if (vendor != null && (vendor.length() > 12 || !vendor.matches("[A-Za-z0-9]+"))) {
                c.error("hypervVendorId", "must be 1 to 12 letters or digits (Hyper-V vendor id)");
                vendor = null;
            }
            return new Cpu(model, hide, vendor);
        }

        private Optional<Disk> disk(Json node, String path) {
            return Fields.of(node, path, p, DISK_FIELDS).flatMap(d -> {
                d.require("path", "the disk image");
                Path file = path(d, "path");
                boolean ro = d.bool("readonly").orElse(false);
                String format = d.text("format")
                        .filter(v -> matches(d, "format", v, FORMAT, "one of: raw, qcow2, vmdk, vdi, vhdx, qed"))
                        .orElse(null);
                return file == null ? Optional.empty() : Optional.of(new Disk(file, ro, format));
            });
        }

        private Optional<Share> share(Json node, String path) {
            return Fields.of(node, path, p, SHARE_FIELDS).flatMap(s -> {
                s.require("path", "the host folder to share");
                s.require("tag", "the 9p mount tag the guest mounts, at most 31 characters");
                Path dir = path(s, "path");
                String tag = s.text("tag")
                        .filter(t -> matches(
                                s, "tag", t, TAG, "must be 1 to 31 letters, digits, '_', '.' or '-' (a 9p mount tag)"))
                        .orElse(null);
                boolean ro = s.bool("readonly").orElse(false);
                ShareSecurity security =
                        s.enumValue("security", ShareSecurity.class).orElse(ShareSecurity.defaultFor(ro));
                return dir == null || tag == null ? Optional.empty() : Optional.of(new Share(dir, tag, ro, security));
            });
        }

        private Optional<Device> device(Json node, String path) {
            return Fields.of(node, path, p, DEVICE_FIELDS).flatMap(d -> {
                d.require("model", "a qemu device model such as e1000e");
                String model = d.text("model")
                        .filter(m -> matches(d, "model", m, MODEL, "must be a qemu device model name such as e1000e"))
                        .orElse(null);
                String id = d.text("id")
                        .filter(m ->
                                matches(d, "id", m, IDENT, "must start with a letter; letters, digits, '_', '.', '-'"))
                        .orElse(null);
                Network netdev = d.enumValue("netdev", Network.class).orElse(null);
                Map<String, String> props = new LinkedHashMap<>();
                d.node("props").ifPresent(pn -> {
                    if (!(pn instanceof Json.Obj po)) {
                        d.error("props", "expected an object of device properties, found " + pn.kind());
                        return;
                    }
                    for (var e : po.members().entrySet()) {
                        String pp = JsonPath.member(d.pathOf("props"), e.getKey());
                        if (!IDENT.matcher(e.getKey()).matches()
                                || Set.of("id", "netdev", "driver").contains(e.getKey())) {
                            p.error(e.getValue().keyAt(), pp, "not a usable device property name");
                            continue;
                        }
                        Json v = e.getValue().value();
                        String text = v instanceof Json.Str s
                                ? s.value()
                                : v instanceof Json.Num num
                                        ? num.value().toPlainString()
                                        : v instanceof Json.Bool b ? (b.value() ? "on" : "off") : null;
                        if (text == null || text.chars().anyMatch(c -> c < 0x20)) {
                            p.error(v.at(), pp, "expected a string, number or boolean");
                            continue;
                        }
                        props.put(e.getKey(), text);
                    }
                });
                return model == null ? Optional.empty() : Optional.of(new Device(model, id, netdev, props));
            });
        }

        private Optional<Passthrough> passthrough(Json node, String path) {
            return Fields.of(node, path, p, PASSTHROUGH_FIELDS).flatMap(d -> {
                d.require("host", "the host PCI address, e.g. 0000:08:00.1");
                PciAddress host = d.string("host")
                        .flatMap(h -> {
                            Optional<PciAddress> a = PciAddress.tryParse(h);
                            if (a.isEmpty()) {
                                d.error(
                                        "host",
                                        "\"" + h + "\" is not a PCI address (expected DDDD:BB:SS.F or BB:SS.F "
                                                + "in hex, slot 00-1f, function 0-7)");
                            }
                            return a;
                        })
                        .orElse(null);
                boolean managed = d.bool("managed").orElse(true);
                boolean multifunction = d.bool("multifunction").orElse(false);
                boolean xVga = d.bool("xVga").orElse(false);
                Path romfile = path(d, "romfile");
                Boolean rombar = d.bool("rombar").orElse(null);
                Integer minMsi =
                        d.integer("minMsiVectors", 1, 2048).map(Long::intValue).orElse(null);
                return host == null
                        ? Optional.empty()
                        : Optional.of(new Passthrough(host, managed, multifunction, xVga, romfile, rombar, minMsi));
            });
        }

        private Optional<String> extraArg(Json node, String path) {
            if (!(node instanceof Json.Str s)) {
                p.error(node.at(), path, "expected a string, found " + node.kind());
                return Optional.empty();
            }
            if (s.value().indexOf('\0') >= 0) {
                p.error(node.at(), path, "must not contain NUL");
                return Optional.empty();
            }
            return Optional.of(s.value());
        }

        private void duplicates(
                Fields f, List<Share> shares, List<Disk> disks, List<Device> devices, List<Passthrough> passthrough) {
            Map<PciAddress, Integer> seen = new HashMap<>();
            for (int i = 0; i < passthrough.size(); i++) {
                Integer first = seen.putIfAbsent(passthrough.get(i).host(), i);
                if (first != null) {
                    f.itemError(
                            "passthrough",
                            i,
                            "host",
                            "duplicate passthrough device " + passthrough.get(i).host() + " (already at "
                                    + f.pathOf("passthrough") + "[" + first + "])");
                }
            }
            Set<String> tags = new java.util.HashSet<>();
            for (int i = 0; i < shares.size(); i++) {
                if (!tags.add(shares.get(i).tag())) {
                    f.itemError(
                            "shares",
                            i,
                            "tag",
                            "duplicate 9p tag \"" + shares.get(i).tag() + "\"");
                }
            }
            Set<String> ids = new java.util.HashSet<>();
            for (int i = 0; i < devices.size(); i++) {
                String id = devices.get(i).id();
                if (id != null && (!ids.add(id) || id.startsWith("vml-"))) {
                    f.itemError(
                            "devices",
                            i,
                            "id",
                            id.startsWith("vml-")
                                    ? "ids starting with \"vml-\" are vmlaunch's own"
                                    : "duplicate device id \"" + id + "\"");
                }
            }
            Set<Path> files = new java.util.HashSet<>();
            for (int i = 0; i < disks.size(); i++) {
                if (!files.add(disks.get(i).path())) {
                    f.itemError(
                            "disks",
                            i,
                            "path",
                            "the same image twice: " + disks.get(i).path());
                }
            }
        }

        private Path path(Fields f, String key) {
            return f.text(key)
                    .map(s -> {
                        Path raw = Path.of(s);
                        return (raw.isAbsolute() ? raw : baseDir.resolve(raw)).normalize();
                    })
                    .orElse(null);
        }

        private static boolean matches(Fields f, String key, String value, Pattern pattern, String rule) {
            if (pattern.matcher(value).matches()) {
                return true;
            }
            f.error(key, "\"" + value + "\" " + rule);
            return false;
        }
    }
}
