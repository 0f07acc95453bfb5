package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.ConfigException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.Charset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * Entry point. Parsing and printing only; each subcommand is one class in this package ({@link Subcommands}: only
 * the one a command line names is built), and the plain lines of {@code list} and {@code print} run without picocli
 * ({@link FastPath}).
 * Errors reach the user as one line and an exit code (see {@link ExitCodes}); stack traces only with --debug.
 *
 * <p>Starting this class must load no picocli class, or FastPath would gain little. The verifier loads the classes
 * it has to check a value against (that what is thrown is a Throwable, that a handler passed is of the interface the
 * method takes), and the java launcher, looking up {@code main}, loads the types in every method signature of the
 * main class. So the code that runs picocli is in {@link ThroughPicocli}, and here picocli types appear only in
 * annotations and fields, which the JVM resolves only when picocli itself reads them.
 */
@Command(
        name = "vmlaunch",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Launch kvmtool (lkvm) and QEMU guests with VFIO PCI passthrough from one guest.json.",
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  ok",
            "  1  runtime failure (the VMM failed, a check or test failed)",
            "  2  usage or configuration error (nothing was started or changed)",
            "  3  host not ready (preflight or IOMMU group viability failed)",
        })
public final class Main implements Runnable {

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Show stack traces of errors.")
    boolean debug;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw ThroughPicocli.usageError(spec, "a command is required (see 'vmlaunch --help')");
    }

    public static void main(String[] args) {
        // The platform charset, named: what new PrintWriter(System.out) used, and what the user's terminal expects.
        Charset terminal = Charset.defaultCharset();
        int code = execute(
                args,
                new PrintWriter(new OutputStreamWriter(System.out, terminal), true),
                new PrintWriter(new OutputStreamWriter(System.err, terminal), true));
        System.exit(code);
    }

    /** Runs one command line; returns the exit code. Used by main and by in-process CLI tests. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        // The plain lines of list and print first, without picocli: the same output and exit code, a faster start.
        Integer fast = FastPath.run(args, out, err);
        if (fast != null) {
            out.flush();
            err.flush();
            return fast;
        }
        return ThroughPicocli.execute(args, out, err);
    }

    static int report(Exception ex, boolean debug, PrintWriter err) {
        if (ex instanceof ConfigException ce) {
            // Config errors are already "file:line:col: $.path: what"; editors can jump to them.
            ce.errors().forEach(e -> err.println(e.format()));
        } else if (ex instanceof VmlaunchException ve) {
            err.println("vmlaunch: " + ve.getMessage());
        } else {
            err.println("vmlaunch: internal error: " + ex + (debug ? "" : " (run with --debug for the stack trace)"));
        }
        if (debug) {
            StringWriter sw = new StringWriter();
            ex.printStackTrace(new PrintWriter(sw));
            err.print(sw);
        }
        err.flush();
        return ex instanceof VmlaunchException ve ? ve.exitCode() : ExitCodes.FAILURE;
    }
}
