package dev.vmlaunch.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vmlaunch.config.GuestFiles;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.drivers.VmmDrivers;
import dev.vmlaunch.host.DeviceDiagnosis;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.vmm.RunLayout;
import dev.vmlaunch.vmm.ShellQuote;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "print",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Print the exact command `run` would execute, shell-quoted for copy and paste.",
            "With cpuAffinity/vcpuPin a comment line (--json: an object {argv, affinity}) says what run also applies.",
            "Missing files are warnings here; config errors are errors (exit 2)."
        })
public final class PrintCommand implements Callable<Integer> {

    @Parameters(paramLabel = "GUEST_JSON", description = "The guest file.")
    Path file;

    @Option(names = "--json", description = "Print the argv as a JSON array.")
    boolean json;

    @Option(
            names = {"-d", "--detach"},
            description = "The command of a detached run (console on a socket).")
    boolean detach;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        return print(
                file,
                json,
                detach,
                spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }

    /**
     * The command itself, for picocli's {@link #call} and for {@link FastPath}, which runs the plain command lines
     * without picocli: no picocli type in its signature, so calling it loads none.
     */
    static int print(Path file, boolean json, boolean detach, PrintWriter out, PrintWriter err) throws IOException {
        GuestSpec guest = GuestArgs.load(file, err).spec();
        for (String missing : GuestFiles.problems(guest, file.toString())) {
            err.println("warning: " + missing);
        }
        err.flush();
        RunLayout layout = new RunLayout(
                StateRoot.resolve().resolve(guest.name()),
                detach ? RunLayout.ConsoleMode.SOCKET : RunLayout.ConsoleMode.STDIO);
        List<String> argv = VmmDrivers.of(guest.vmm()).argv(guest, layout, DeviceDiagnosis.rootPortReserve(guest));
        if (json) {
            try (JsonGenerator g = dev.vmlaunch.state.JsonRecords.generator(out)) {
                if (guest.affinity().any()) {
                    // A pinned guest is more than its argv (a -S qemu would wait forever): a consumer that only
                    // knows the plain array must fail on this object rather than run the guest unpinned.
                    g.writeStartObject();
                    g.writeFieldName("argv");
                    writeArgv(g, argv);
                    PrintedAffinity.write(g, guest);
                    g.writeEndObject();
                } else {
                    writeArgv(g, argv);
                }
            }
            out.println();
        } else {
            if (guest.affinity().any()) {
                out.println(PrintedAffinity.comment(guest));
            }
            out.println(ShellQuote.multiline(argv));
        }
        out.flush();
        return 0;
    }

    private static void writeArgv(JsonGenerator g, List<String> argv) throws IOException {
        g.writeStartArray();
        for (String a : argv) {
            g.writeString(a);
        }
        g.writeEndArray();
    }
}
