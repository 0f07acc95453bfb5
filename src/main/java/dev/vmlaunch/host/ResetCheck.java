package dev.vmlaunch.host;

import dev.vmlaunch.config.PciAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How the kernel can reset a device between guests, and whether that is enough. vfio-pci resets the device when
 * the VMM opens and closes it; a device without a function-local reset (FLR, AF FLR, PM, a device-specific quirk)
 * only gets a secondary bus reset, which resets everything behind the same bridge and which many AMD GPUs do not
 * survive (the "AMD reset bug": the second start of the guest finds the GPU hung).
 *
 * <p>Evidence, newest kernel first: {@code reset_method} (Linux 5.15+: the methods in the order the kernel tries
 * them), else the {@code reset} file and the capability bits in {@code config}; with /dev/vfio, the kernel's own
 * list of what a bus reset would hit ({@code VFIO_DEVICE_GET_PCI_HOT_RESET_INFO}).
 */
public final class ResetCheck {
    static final String ID = "reset";
    /** Methods that reset this function only. */
    static final Set<String> LOCAL = Set.of("flr", "af_flr", "pm", "device_specific");

    private ResetCheck() {}

    /**
     * @param hotResetPeers what the kernel says a bus reset would reset (the device itself included), when it was
     *                      asked; empty when /dev/vfio was not there or the device was not on vfio-pci
     */
    public static DeviceVerdict check(PciDevice d, Path dir, byte[] config, Optional<List<PciAddress>> hotResetPeers) {
        List<String> evidence = new ArrayList<>();
        List<String> methods = methods(dir, config, evidence);
        hotResetPeers.ifPresent(peers -> evidence.add("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: a bus reset hits "
                + (peers.isEmpty() ? "no device (no bus or slot reset possible)" : join(peers))));
        boolean amdGpu = d.vendor().equals("1002") && d.baseClass() == 0x03;
        String amdRemedy = "the AMD reset bug class: load vendor-reset (github.com/gnif/vendor-reset) and select its "
                + "reset ('echo device_specific > " + dir.resolve("reset_method") + "'), and do not give the GPU back "
                + "to the host between runs (bind it once with 'vmlaunch bind " + d.address() + "' and set "
                + "\"managed\": false)";
        Optional<String> local = methods.stream().filter(LOCAL::contains).findFirst();
        if (local.isPresent()) {
            return DeviceVerdict.pass(
                    ID,
                    d.address(),
                    "resets with " + local.get()
                            + (methods.size() > 1 ? " (the kernel's order: " + String.join(", ", methods) + ")" : ""),
                    evidence);
        }
        if (methods.contains("bus")) {
            List<PciAddress> others = hotResetPeers.orElse(List.of()).stream()
                    .filter(p -> !p.equals(d.address()))
                    .toList();
            if (amdGpu) {
                return DeviceVerdict.warn(
                        ID,
                        d.address(),
                        "only a secondary bus reset, which AMD GPUs often do not "
                                + "come back from: a second start of the guest may find the GPU hung",
                        evidence,
                        amdRemedy);
            }
            if (hotResetPeers.isPresent() && others.isEmpty()) {
                return DeviceVerdict.pass(
                        ID, d.address(), "resets with a bus reset that hits only this device", evidence);
            }
            return DeviceVerdict.warn(
                    ID,
                    d.address(),
                    "only a secondary bus reset: it resets every device behind the "
                            + "same bridge" + (others.isEmpty() ? "" : " (" + join(others) + ")")
                            + ", and QEMU skips it unless the guest owns all of them",
                    evidence,
                    "pass every device behind that bridge to this guest, or move the card to a slot of its own");
        }
        return DeviceVerdict.warn(
                ID,
                d.address(),
                "no reset the kernel can use: the guest gets the device in the "
                        + "state the host or the last guest left it",
                evidence,
                amdGpu
                        ? amdRemedy
                        : "keep the device on vfio-pci between runs (\"managed\": false) so no host driver sees a dirty "
                                + "device; a device-specific quirk (vendor-reset, a kernel quirk) may add a reset");
    }

    /** The kernel's reset methods, from reset_method or, before Linux 5.15, derived from the config bits. */
    static List<String> methods(Path dir, byte[] config, List<String> evidence) {
        Optional<ConfigSpace.ResetBits> bits = ConfigSpace.resetBits(config);
        bits.ifPresentOrElse(
                b -> evidence.add(dir.resolve("config") + ": " + lspci(b)),
                () -> evidence.add(dir.resolve("config") + ": capability list not readable (" + config.length
                        + " bytes; the rest needs root)"));
        Optional<String> file = Sysfs.attribute(dir, "reset_method");
        if (file.isPresent()) {
            evidence.add(dir.resolve("reset_method") + " = \"" + file.get() + "\"");
            return file.get().isBlank()
                    ? List.of()
                    : Arrays.asList(file.get().trim().split("\\s+"));
        }
        boolean reset = Files.exists(dir.resolve("reset"), LinkOption.NOFOLLOW_LINKS);
        evidence.add(dir.resolve("reset_method") + " absent (kernel before 5.15); " + dir.resolve("reset")
                + (reset ? " present" : " absent"));
        if (!reset) {
            return List.of();
        }
        List<String> derived = new ArrayList<>();
        bits.ifPresent(b -> {
            if (b.pcieFlr().orElse(false)) {
                derived.add("flr");
            }
            if (b.afFlr().orElse(false)) {
                derived.add("af_flr");
            }
            if (b.pmNoSoftReset().map(noSoft -> !noSoft).orElse(false)) {
                derived.add("pm");
            }
        });
        // The kernel offers a reset file, but no local method shows in config: a bus reset (or a quirk) it is.
        derived.add("bus");
        return derived;
    }

    /** The bits in lspci -vvv's words, so a user can compare with their own dump. */
    static String lspci(ConfigSpace.ResetBits b) {
        List<String> parts = new ArrayList<>();
        parts.add(b.pcieFlr().map(f -> "DevCap FLReset" + (f ? "+" : "-")).orElse("no PCI Express capability"));
        parts.add(b.pmNoSoftReset().map(n -> "PM NoSoftRst" + (n ? "+" : "-")).orElse("no PM capability"));
        b.afFlr().ifPresent(f -> parts.add("AFCap FLR" + (f ? "+" : "-")));
        return String.join(", ", parts);
    }

    private static String join(List<PciAddress> a) {
        return String.join(", ", a.stream().map(PciAddress::toString).toList());
    }
}
