package dev.vmlaunch.host;

import dev.vmlaunch.Users;
import dev.vmlaunch.config.GuestSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host as vmlaunch sees it: movable roots and the boundaries to the kernel (writes, module loading, interface
 * addresses, the VFIO ioctl proof). {@link #system} is the real host; tests build one over fake trees and fakes.
 *
 * @param vfio the VFIO ioctl proof; empty until {@code dev.vmlaunch.vfio} provides one
 */
public record Host(
        HostRoots roots,
        Path stateRoot,
        boolean root,
        String arch,
        PciBus bus,
        ModuleLoader modules,
        InterfaceAddresses addresses,
        Optional<VfioProof> vfio,
        PciIds names) {

    /** The real host, from the environment (VMLAUNCH_SYSFS, VMLAUNCH_DEV, VMLAUNCH_PROC, VMLAUNCH_STATE). */
    public static Host system() {
        return system(Optional.empty());
    }

    public static Host system(Optional<VfioProof> vfio) {
        HostRoots roots = HostRoots.fromEnvironment();
        Sysfs sysfs = new Sysfs(roots.sysfs());
        return new Host(
                roots,
                dev.vmlaunch.state.StateRoot.resolve(),
                Users.isRoot(),
                HostDoctor.hostArch(),
                new SysfsPciBus(sysfs),
                new ModprobeLoader(),
                InterfaceAddresses.system(),
                vfio,
                PciIds.system());
    }

    public Sysfs sysfs() {
        return new Sysfs(roots.sysfs());
    }

    public IommuGroups groups() {
        return new IommuGroups(sysfs());
    }

    public BindStateStore bindStore() {
        return new BindStateStore(stateRoot);
    }

    public HostUsage usage() {
        return new HostUsage(sysfs(), roots.proc(), addresses);
    }

    public DeviceBinder binder() {
        return new DeviceBinder(
                sysfs(), bus, modules, bindStore(), usage(), new VfioHolders(roots.proc(), roots.dev()));
    }

    public PassthroughCheck passthroughCheck() {
        return new PassthroughCheck(sysfs(), roots.dev(), usage(), vfio, names, Optional.of(diagnosis()));
    }

    public DeviceDiagnosis diagnosis() {
        return new DeviceDiagnosis(roots, arch.equals("aarch64"));
    }

    public HostPreflight preflight() {
        return new HostPreflight(roots, root);
    }

    public HostDoctor doctor() {
        return new HostDoctor(roots, arch);
    }

    public PersistentSetup persistentSetup() {
        return new PersistentSetup(roots, bindStore(), names, arch);
    }

    /** Everything that keeps this host from running {@code spec} now: passthrough devices first, then preflight. */
    public List<Problem> problemsFor(GuestSpec spec, VmmHostProfile vmm) {
        List<Problem> out = new ArrayList<>(passthroughCheck().check(spec, vmm));
        out.addAll(preflight().check(spec, vmm));
        return out;
    }

    /** The label used in messages and listings: "NVIDIA Corporation GM204 [GeForce GTX 970]" or class and ids. */
    public String describe(PciDevice d) {
        return PciLabels.name(names, d);
    }
}
