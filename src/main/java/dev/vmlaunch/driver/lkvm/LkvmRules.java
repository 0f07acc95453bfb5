package dev.vmlaunch.driver.lkvm;

import dev.vmlaunch.config.Accel;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.Console;
import dev.vmlaunch.config.Fields;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpec.Disk;
import dev.vmlaunch.config.GuestSpec.Passthrough;
import dev.vmlaunch.config.GuestSpec.Share;
import dev.vmlaunch.config.IrqChip;
import dev.vmlaunch.config.Json;
import dev.vmlaunch.config.ShareSecurity;
import dev.vmlaunch.config.VmmRules;
import java.util.List;
import java.util.Optional;

/**
 * What kvmtool takes of a guest.json: KVM only, none of qemu's machine options, one firmware image, comma-free paths
 * (it splits its options on commas), read-write shares with no security model, no PCI hotplug. It has no accel or
 * machine to default; its shares are recorded as what it does (security model none).
 */
public final class LkvmRules implements VmmRules {
    private static final String NOT_SUPPORTED = " is not supported by lkvm";

    /** Graceful stop types stop.consoleCommand on kvmtool's console: the one VMM "stop" is for. */
    @Override
    public void checkStop(Fields guest) {}

    @Override
    public GuestSpec check(Fields f, GuestSpec draft, Optional<Arch> hostArch) {
        Arch arch = draft.arch();
        IrqChip irqchip = draft.irqchip();
        if (draft.accel() == Accel.TCG) {
            f.error("accel", "lkvm runs guests on KVM only (use \"vmm\": \"qemu\" for tcg)");
        }
        for (String qemuOnly : List.of("machine", "viommu", "cpu", "vga", "cdrom", "devices")) {
            if (f.has(qemuOnly)
                    && !(qemuOnly.equals("viommu")
                            && "none".equals(f.string("viommu").orElse(null)))) {
                f.error(qemuOnly, "\"" + qemuOnly + "\"" + NOT_SUPPORTED + " (a qemu option)");
            }
        }
        if (draft.boot().firmware() != null && draft.boot().firmware().pflash()) {
            f.error("firmware", "lkvm takes one firmware image (a string), not a pflash pair");
        }
        if (draft.console() == Console.NONE) {
            f.error("console", "lkvm always has a console (one of: serial, virtio)");
        }
        if (irqchip != null && arch == Arch.X86_64) {
            f.error("irqchip", "lkvm has no irqchip choice on x86_64 (remove it)");
        }
        if (irqchip != null && arch == Arch.AARCH64 && !irqchip.json().startsWith("gic")) {
            f.error(
                    "irqchip",
                    "\"" + irqchip.json() + "\" is not an aarch64 irqchip (one of: gicv2, gicv2m, gicv3, gicv3-its)");
        }
        if (f.has("mte") && arch != Arch.AARCH64) {
            f.error("mte", "MTE exists on aarch64 only");
        }
        disks(f, draft.storage().disks());
        shares(f, draft.shares());
        passthrough(f, draft.passthrough());
        if (hostArch.isPresent() && hostArch.get() != arch) {
            f.warn(
                    "arch",
                    "lkvm runs guests of the host's architecture ("
                            + hostArch.get().json() + "); this guest needs an " + arch.json() + " host");
        }
        if (draft.hotplugSlots() != 0) {
            f.error(
                    "hotplugSlots",
                    "kvmtool has no PCI hotplug: 'vmlaunch attach' works for qemu guests only "
                            + "(remove \"hotplugSlots\", or use \"vmm\": \"qemu\")");
        }
        // What kvmtool does, whatever the default for qemu would be: the record says what the host gets.
        List<Share> served = draft.shares().stream()
                .map(s -> new Share(s.path(), s.tag(), s.readonly(), ShareSecurity.NONE))
                .toList();
        return draft.withVmmDefaults(null, null, irqchip, served);
    }

    private static void disks(Fields f, List<Disk> disks) {
        for (int i = 0; i < disks.size(); i++) {
            Disk d = disks.get(i);
            if (d.path().toString().contains(",")) {
                f.itemError(
                        "disks",
                        i,
                        "path",
                        "lkvm cannot take a path containing ',' (it splits its --disk option on commas)");
            }
            if (d.format() != null) {
                f.itemError("disks", i, "format", "\"format\"" + NOT_SUPPORTED + " (it detects raw and qcow2 itself)");
            }
        }
    }

    private static void shares(Fields f, List<Share> shares) {
        for (int i = 0; i < shares.size(); i++) {
            Share s = shares.get(i);
            if (s.readonly()) {
                f.itemError(
                        "shares",
                        i,
                        "readonly",
                        "read-only 9p shares" + NOT_SUPPORTED + " (remove \"readonly\" or use qemu)");
            }
            if (s.path().toString().contains(",")) {
                f.itemError("shares", i, "path", "lkvm cannot take a path containing ',' (it splits --9p on commas)");
            }
            if (shareSecurityGiven(f, i) && s.security() != ShareSecurity.NONE) {
                f.itemError(
                        "shares",
                        i,
                        "security",
                        "lkvm's --9p has no security model: the guest's links and "
                                + "nodes are real ones on the host (remove \"security\" or use qemu)");
            }
        }
    }

    private static void passthrough(Fields f, List<Passthrough> passthrough) {
        for (int i = 0; i < passthrough.size(); i++) {
            Passthrough pt = passthrough.get(i);
            if (pt.xVga()) {
                f.itemError("passthrough", i, "xVga", "\"xVga\"" + NOT_SUPPORTED + " (VGA passthrough needs qemu)");
            }
            if (pt.romfile() != null) {
                f.itemError("passthrough", i, "romfile", "\"romfile\"" + NOT_SUPPORTED);
            }
            if (pt.rombar() != null) {
                f.itemError("passthrough", i, "rombar", "\"rombar\"" + NOT_SUPPORTED);
            }
            if (pt.multifunction()) {
                f.itemError(
                        "passthrough",
                        i,
                        "multifunction",
                        "\"multifunction\"" + NOT_SUPPORTED + " (list each function as its own device)");
            }
        }
    }

    /** Whether shares[i] names a security model itself (lkvm accepts only "none", which is what it does). */
    private static boolean shareSecurityGiven(Fields f, int i) {
        return f.node("shares")
                .flatMap(n -> n instanceof Json.Arr a && i < a.items().size()
                        ? Optional.of(a.items().get(i))
                        : Optional.empty())
                .filter(item -> item instanceof Json.Obj o && o.members().containsKey("security"))
                .isPresent();
    }
}
