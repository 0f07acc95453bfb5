package dev.vmlaunch.lava;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.vmm.QemuCommand;
import dev.vmlaunch.vmm.RunLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A qemu guest (the lab host) as the parts of a LAVA job for LAVA's {@code qemu} device type, taken from the argv
 * {@link QemuCommand} builds for it, so LAVA boots the same machine vmlaunch would.
 *
 * <p>LAVA owns some of that command line itself: the qemu binary (from {@code context.arch}), {@code -m} (from
 * {@code context.memory}), {@code -nographic -monitor none} with the serial console on its stdio, and a
 * {@code -net nic ... -net user} it always adds; {@code -kernel}/{@code -initrd}/{@code -append} come from the deploy
 * action's {@code image_arg}s. Everything else goes to {@code context.extra_options}. vmlaunch's console and QMP
 * sockets are dropped (LAVA reads the console) and so is {@code -nodefaults}, which would take away the serial port
 * LAVA's {@code -nographic} relies on.
 *
 * @param arch         LAVA's name for the architecture (context.arch)
 * @param memoryMiB    context.memory
 * @param extraOptions context.extra_options: "FLAG VALUE" items
 * @param kernelArgs   the kernel command line (without vmlaunch's own root/exec/9p words: the test shell does that)
 * @param kernel       the kernel image on the worker
 * @param initrd       the initramfs (gzip'd newc cpio) on the worker
 * @param shares       the 9p shares, for the test shell to mount
 */
public record LavaQemuHost(
        String arch,
        long memoryMiB,
        List<String> extraOptions,
        String kernelArgs,
        Path kernel,
        Path initrd,
        List<GuestSpec.Share> shares) {

    private static final Set<String> FLAGS = Set.of(
            "-no-user-config",
            "-nodefaults",
            "-nographic",
            "-S",
            "-no-reboot",
            "-no-shutdown",
            "-snapshot",
            "-enable-kvm");
    private static final Set<String> DROPPED = Set.of(
            "-nodefaults",
            "-nographic",
            "-name",
            "-m",
            "-kernel",
            "-initrd",
            "-append",
            "-chardev",
            "-serial",
            "-mon",
            "-monitor",
            "-qmp",
            "-display");
    /** LAVA joins its qemu command with spaces and splits it again: a value must hold no blank and no quote. */
    private static final Pattern VALUE = Pattern.compile("[^\\s'\"\\\\]+");
    /**
     * Words LAVA's boot cannot have: vmlaunch's own init words would make the test image chroot and run a command
     * instead of giving LAVA a shell, and quiet hides the "Linux version" banner LAVA waits for first.
     */
    private static final Pattern OWN_WORD = Pattern.compile("vmlaunch\\.(root|exec|9p|poweroff)=.*|quiet");

    public LavaQemuHost {
        extraOptions = List.copyOf(extraOptions);
        shares = List.copyOf(shares);
    }

    public static LavaQemuHost of(GuestSpec spec) {
        if (spec.boot().kernel() == null || spec.boot().initrd() == null) {
            throw VmlaunchException.usage(spec.name() + ": LAVA's qemu device type boots a kernel and an initrd here; "
                    + "the guest has none");
        }
        List<String> argv =
                new QemuCommand().argv(spec, new RunLayout(Path.of("/nonexistent/lava"), RunLayout.ConsoleMode.STDIO));
        List<String> extra = new ArrayList<>();
        String append = "";
        for (int i = 1; i < argv.size(); i++) {
            String flag = argv.get(i);
            if (FLAGS.contains(flag)) {
                if (!DROPPED.contains(flag)) {
                    extra.add(flag);
                }
                continue;
            }
            if (i + 1 >= argv.size()) {
                throw new IllegalStateException("qemu argv ends with a flag: " + flag);
            }
            String value = argv.get(++i);
            if (flag.equals("-append")) {
                append = value;
            } else if (!DROPPED.contains(flag)) {
                if (!VALUE.matcher(value).matches()) {
                    throw VmlaunchException.usage(
                            spec.name() + ": '" + flag + " " + value + "' cannot pass through LAVA's "
                                    + "qemu command line, which LAVA splits on blanks (move the file to a path without blanks or quotes)");
                }
                extra.add(flag + " " + value);
            }
        }
        // QEMU creates devices in command-line order: the vIOMMU first (it must exist before what it translates),
        // then devices with a fixed PCI slot, then the rest, so LAVA's own NIC and the 9p devices cannot take a
        // slot the passthrough NICs were given.
        extra.sort(Comparator.comparingInt(LavaQemuHost::rank));
        StringBuilder args = new StringBuilder();
        for (String w : append.split(" ")) {
            if (w.equals("--")) {
                break;
            }
            if (!w.isEmpty() && !OWN_WORD.matcher(w).matches()) {
                args.append(args.length() == 0 ? "" : " ").append(w);
            }
        }
        if (args.indexOf("\"") >= 0) {
            throw VmlaunchException.usage(
                    spec.name() + ": the kernel command line cannot hold '\"' in a LAVA image_arg");
        }
        return new LavaQemuHost(
                spec.arch() == Arch.X86_64 ? "x86_64" : "arm64",
                spec.memoryMiB(),
                extra,
                args.toString(),
                spec.boot().kernel(),
                spec.boot().initrd(),
                spec.shares());
    }

    private static int rank(String option) {
        if (!option.startsWith("-device ")) {
            return 0;
        }
        if (option.startsWith("-device intel-iommu") || option.startsWith("-device virtio-iommu")) {
            return 1;
        }
        return option.matches("-device \\S*,addr=.*") ? 2 : 3;
    }
}
