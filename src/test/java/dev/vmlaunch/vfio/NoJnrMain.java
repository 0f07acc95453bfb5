package dev.vmlaunch.vfio;

import dev.vmlaunch.cli.Main;
import dev.vmlaunch.config.PciAddress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Run by VfioWithoutJnrIT in a child JVM with -verbose:class. "api" uses everything a caller of the probe sees
 * (interface, records, exception, messages, the CLI's help and usage errors) without probing; "system" really
 * creates the system probe, as the control that shows jnr loading is visible.
 */
public final class NoJnrMain {
    public static void main(String[] args) {
        PciAddress bdf = PciAddress.parse("0000:00:02.0");
        if (args[0].equals("system")) {
            try {
                VfioProbe.system(Path.of(args[1])).probe(1, bdf);
            } catch (VfioException e) {
                System.out.println("probe said: " + e.getMessage());
            }
            return;
        }
        VfioReport r = new VfioReport(
                1,
                bdf,
                0,
                Set.of(VfioIommuType.TYPE1v2),
                VfioIommuType.TYPE1v2,
                VfioAbi.VFIO_GROUP_FLAGS_VIABLE,
                new VfioDeviceInfo(3, 9, 5),
                List.of(new VfioRegionInfo(0, 7, 0x20000, 0)),
                List.of(new VfioIrqInfo(VfioAbi.VFIO_PCI_MSIX_IRQ_INDEX, 9, 5)));
        VfioException e = new VfioErrors(Path.of("/dev"), 1, bdf).syscall(VfioStep.OPEN_GROUP, Errno.EBUSY.number());
        VfioProbe fake = (group, device) -> r;
        StringWriter sink = new StringWriter();
        PrintWriter w = new PrintWriter(sink);
        int help = Main.execute(new String[] {"--help"}, w, w);
        int probeHelp = Main.execute(new String[] {"vfio-probe", "--help"}, w, w);
        int usage = Main.execute(new String[] {"vfio-probe", "1", "not-a-bdf"}, w, w);
        System.out.println("msix=" + fake.probe(1, bdf).msixCount() + " table="
                + VfioAbi.table().size() + " error=" + e.getMessage() + " exits=" + help + "," + probeHelp + ","
                + usage);
    }
}
