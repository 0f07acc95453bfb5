package dev.vmlaunch.cli;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.ConfigError;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.lava.LavaExport;
import dev.vmlaunch.vmm.LibvirtDomainXml;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vmlaunch export libvirt guest.json [-o FILE]}: the guest in another tool's format;
 * {@code vmlaunch export lava harness.json [--device-type TYPE] [-o FILE]}: a LAVA job that runs the harness.
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Write a guest.json or a harness.json in another tool's format.",
            "libvirt: a domain XML for 'virsh define' (qemu guests only). Anything libvirt cannot say exactly is "
                    + "mapped as closely as it can be and reported as a warning on stderr.",
            "lava: a LAVA job definition (YAML) for a harness.json: it boots the host that owns the devices and runs "
                    + "'vmlaunch test --lava' there (docs/lava.md).",
        })
public final class ExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FORMAT", description = "The format to write: libvirt, lava.")
    String format;

    @Parameters(
            index = "1",
            paramLabel = "FILE",
            description = "The guest.json to export (libvirt), or the harness.json (lava).")
    Path guest;

    @Option(
            names = "--device-type",
            paramLabel = "TYPE",
            defaultValue = LavaExport.QEMU,
            description = "lava: the LAVA device type; qemu (default) boots vmlaunch's x86_64 lab host, any other "
                    + "type gets a template for a board or FVP.")
    String deviceType;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description = "Write to FILE (atomically: all or nothing) instead of standard output.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if ("lava".equals(format)) {
            PrintWriter err = spec.commandLine().getErr();
            String yaml = LavaExport.job(guest, deviceType, err);
            err.flush();
            write(yaml);
            return 0;
        }
        if (!"libvirt".equals(format)) {
            throw VmlaunchException.usage("unknown export format '" + format + "' (known: libvirt, lava)");
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--device-type")) {
            throw VmlaunchException.usage("--device-type belongs to 'export lava'");
        }
        GuestSpecLoader.Loaded loaded = GuestSpecLoader.load(guest, VmmDrivers::rules);
        PrintWriter err = spec.commandLine().getErr();
        for (ConfigError w : loaded.warnings()) {
            err.println(w.format());
        }
        VmmDrivers.of(loaded.spec().vmm()).libvirtExportRefusal().ifPresent(why -> {
            throw VmlaunchException.usage(loaded.spec().source() + ": " + why);
        });
        LibvirtDomainXml.Result result = LibvirtDomainXml.export(loaded.spec());
        for (String w : result.warnings()) {
            err.println("vmlaunch: warning: " + w);
        }
        err.flush();
        write(result.xml());
        return 0;
    }

    private void write(String text) {
        if (output == null || output.toString().equals("-")) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(text);
            out.flush();
        } else {
            AtomicFile.write(output, text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
