package dev.vmlaunch.driver.qemu;

import dev.vmlaunch.config.Accel;
import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.host.VmmHostProfile;
import dev.vmlaunch.vmm.QemuCommand;
import java.util.Optional;

/**
 * QEMU as the host checks see it: on /dev/kvm only with accel kvm (tcg emulates any architecture), refuses to start
 * without VFIO, serves 9p with the security model guest.json names, maps 64-bit BARs above 4 GiB.
 */
final class QemuHostProfile implements VmmHostProfile {

    @Override
    public String displayName() {
        return "qemu";
    }

    @Override
    public String binary(GuestSpec spec) {
        return spec.binaryOr(QemuCommand.defaultBinary(spec.arch()));
    }

    @Override
    public boolean usesKvm(GuestSpec spec) {
        return spec.accel() == Accel.KVM;
    }

    @Override
    public String foreignArchRemedy() {
        return "set \"accel\": \"tcg\" (emulation, slow)";
    }

    @Override
    public String withoutVfio() {
        return "";
    }

    @Override
    public boolean honoursShareSecurity() {
        return true;
    }

    @Override
    public Optional<BarWindow> barWindow(Arch arch) {
        return Optional.empty();
    }
}
