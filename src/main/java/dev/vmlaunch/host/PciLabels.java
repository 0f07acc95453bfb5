package dev.vmlaunch.host;

/** How devices are named in messages. */
final class PciLabels {
    private PciLabels() {}

    /** "NVIDIA Corporation GM204 [GeForce GTX 970]", or "VGA compatible controller [10de:13c2]" without pci.ids. */
    static String name(PciIds ids, PciDevice d) {
        return ids.describe(d)
                .orElseGet(() ->
                        (d.classCode() < 0 ? "device" : ids.className(d.classCode() >> 8)) + " [" + d.ids() + "]");
    }

    /** "0000:02:00.0 (NVIDIA Corporation …)". */
    static String labelled(PciIds ids, PciDevice d) {
        return d.address() + " (" + name(ids, d) + ")";
    }
}
