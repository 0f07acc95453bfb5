package dev.vmlaunch.vmm;

import dev.vmlaunch.config.PciAddress;
import java.util.Map;

/**
 * Host facts the qemu argv needs about passthrough devices: how much prefetchable 64-bit space each host slot's
 * root port must reserve ({@code pcie-root-port,pref64-reserve=}) for its large BARs. The firmware sizes a root
 * port's window from what it finds behind it but reserves little for large BARs it must place above 4 GiB; the
 * host package computes the sizes from sysfs (so the vmm package reads no host files).
 *
 * @param pref64 host slot (function 0) to bytes; slots without an entry get no reservation
 */
public record RootPortReserve(Map<PciAddress, Long> pref64) {
    public static final RootPortReserve NONE = new RootPortReserve(Map.of());

    public RootPortReserve {
        pref64 = Map.copyOf(pref64);
    }
}
