package dev.vmlaunch.host;

import java.nio.file.Path;

/** Fake sysfs trees of the hosts in the seeds, with the drivers their lspci output shows. */
public final class SeedHosts {
    private SeedHosts() {}

    /**
     * The Chalach/kvm GPU passthrough guide's host (i7-4790k + GTX 970): group 1 is the root port with the GPU and its audio, group 10
     * the chipset (LPC, SATA, SMBus). {@code gpuOnVfio}: after vfio-pci.ids took the GPU and the audio function.
     */
    public static FakeSysfs seed003(Path root, boolean gpuOnVfio) {
        FakeSysfs fs = new FakeSysfs(root);
        fs.device("0000:00:00.0").vendor("8086").device("0c00").cls("060000").group(0);
        fs.device("0000:00:01.0")
                .vendor("8086")
                .device("0c01")
                .cls("060400")
                .config(256, 1, 0, 0)
                .driver("pcieport")
                .group(1);
        fs.device("0000:01:00.0", "0000:00:01.0")
                .vendor("10de")
                .device("13c2")
                .cls("030000")
                .config(256, 1, 0)
                .driver(gpuOnVfio ? "vfio-pci" : "nvidia")
                .group(1)
                .bootVga(false);
        fs.device("0000:01:00.1", "0000:00:01.0")
                .vendor("10de")
                .device("0fbb")
                .cls("040300")
                .config(256, 1, 0)
                .driver(gpuOnVfio ? "vfio-pci" : "snd_hda_intel")
                .group(1);
        if (gpuOnVfio) {
            fs.nativeDrivers.put("0000:01:00.0", "nvidia");
            fs.nativeDrivers.put("0000:01:00.1", "snd_hda_intel");
            fs.driver("nvidia").driver("snd_hda_intel");
        }
        fs.device("0000:00:02.0")
                .vendor("8086")
                .device("0412")
                .cls("030000")
                .driver("i915")
                .group(2)
                .bootVga(true);
        fs.device("0000:00:03.0")
                .vendor("8086")
                .device("0c0c")
                .cls("040300")
                .driver("snd_hda_intel")
                .group(3);
        fs.device("0000:00:14.0")
                .vendor("8086")
                .device("8cb1")
                .cls("0c0330")
                .config(256, 8, 0)
                .driver("xhci_hcd")
                .group(4);
        fs.device("0000:00:19.0")
                .vendor("8086")
                .device("15a1")
                .cls("020000")
                .config(256, 1, 0)
                .driver("e1000e")
                .group(6);
        fs.device("0000:00:1f.0")
                .vendor("8086")
                .device("8cc4")
                .cls("060100")
                .driver("lpc_ich")
                .group(10);
        fs.device("0000:00:1f.2")
                .vendor("8086")
                .device("8c82")
                .cls("010601")
                .config(256, 1, 0)
                .driver("ahci")
                .group(10);
        fs.device("0000:00:1f.3")
                .vendor("8086")
                .device("8ca2")
                .cls("0c0500")
                .driver("i801_smbus")
                .group(10);
        return fs;
    }

    /**
     * A Xilinx AU200 passthrough guide's host: the card's two functions are on vfio-pci, but an NVIDIA GPU and its audio function
     * behind the second root port share group 1.
     */
    public static FakeSysfs seed004(Path root) {
        FakeSysfs fs = new FakeSysfs(root);
        fs.device("0000:00:01.0")
                .vendor("8086")
                .device("1901")
                .cls("060400")
                .config(256, 1, 0, 0)
                .driver("pcieport")
                .group(1);
        fs.device("0000:00:01.1")
                .vendor("8086")
                .device("1905")
                .cls("060400")
                .config(256, 1, 0, 0)
                .driver("pcieport")
                .group(1);
        fs.device("0000:01:00.0", "0000:00:01.0")
                .vendor("10ee")
                .device("5000")
                .cls("120000")
                .config(256, 0, 32)
                .driver("vfio-pci")
                .group(1);
        fs.nativeDrivers.put("0000:01:00.0", "xclmgmt");
        fs.device("0000:01:00.1", "0000:00:01.0")
                .vendor("10ee")
                .device("5001")
                .cls("120000")
                .config(256, 0, 32)
                .driver("vfio-pci")
                .group(1);
        fs.nativeDrivers.put("0000:01:00.1", "xocl");
        fs.device("0000:02:00.0", "0000:00:01.1")
                .vendor("10de")
                .device("2489")
                .cls("030000")
                .config(256, 1, 0)
                .driver("nvidia")
                .group(1);
        fs.device("0000:02:00.1", "0000:00:01.1")
                .vendor("10de")
                .device("228b")
                .cls("040300")
                .config(256, 1, 0)
                .driver("snd_hda_intel")
                .group(1);
        fs.device("0000:00:02.0")
                .vendor("8086")
                .device("3e98")
                .cls("038000")
                .driver("i915")
                .group(2)
                .bootVga(true);
        fs.device("0000:00:12.0")
                .vendor("8086")
                .device("a379")
                .cls("118000")
                .driver("intel_pch_thermal")
                .group(3);
        fs.device("0000:00:14.0")
                .vendor("8086")
                .device("a36d")
                .cls("0c0330")
                .driver("xhci_hcd")
                .group(4);
        return fs;
    }
}
