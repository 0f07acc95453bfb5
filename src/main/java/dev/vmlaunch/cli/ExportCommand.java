package dev.vmlaunch.cli;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.ConfigError;
import dev.vmlaunch.config.GuestSpecLoader;
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

/** {@code vmlaunch export libvirt guest.json [-o FILE]}: the guest in another tool's format. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Write a guest.json in another tool's format.",
            "libvirt: a domain XML for 'virsh define' (qemu guests only). Anything libvirt cannot say exactly is "
                    + "mapped as closely as it can be and reported as a warning on stderr.",
        })
public final class ExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FORMAT", description = "The format to write: libvirt.")
    String format;

    @Parameters(index = "1", paramLabel = "GUEST_JSON", description = "The guest to export.")
    Path guest;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write to FILE (atomically: all or nothing) instead of standard output.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!"libvirt".equals(format)) {
            throw VmlaunchException.usage("unknown export format '" + format + "' (known: libvirt)");
        }
        GuestSpecLoader.Loaded loaded = GuestSpecLoader.load(guest);
        PrintWriter err = spec.commandLine().getErr();
        for (ConfigError w : loaded.warnings()) {
            err.println(w.format());
        }
        LibvirtDomainXml.Result result = LibvirtDomainXml.export(loaded.spec());
        for (String w : result.warnings()) {
            err.println("vmlaunch: warning: " + w);
        }
        err.flush();
        if (output == null || output.toString().equals("-")) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(result.xml());
            out.flush();
        } else {
            AtomicFile.write(output, result.xml().getBytes(StandardCharsets.UTF_8));
        }
        return 0;
    }
}
