package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.ConfigException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.Charset;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * Entry point. Parsing and printing only; each subcommand is one class in this package ({@link Subcommands}: only
 * the one a command line names is built).
 * Errors reach the user as one line and an exit code (see {@link ExitCodes}); stack traces only with --debug.
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
        throw new ParameterException(spec.commandLine(), "a command is required (see 'vmlaunch --help')");
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
        boolean debug = debugRequested(args);
        CommandLine cl = new CommandLine(new Main());
        Subcommands.register(cl, args);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(false);
        cl.setParameterExceptionHandler(new UsageErrors(err));
        cl.setExecutionExceptionHandler(new ExecutionErrors(debug, err));
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    // Named classes rather than lambdas: a lambda for one of picocli's (Java 5) interfaces gets picocli's classes
    // linked while the CDS archive is dumped, which then leaves CommandLine itself out of the archive.
    private record UsageErrors(PrintWriter err) implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            CommandLine cmd = ex.getCommandLine();
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCodes.USAGE;
        }
    }

    private record ExecutionErrors(boolean debug, PrintWriter err) implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
            return report(ex, debug, err);
        }
    }

    /** The whole command tree, as {@code execute} runs it and as the build renders man pages and completions. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        Subcommands.register(cl, new String[0]);
        return cl;
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

    private static boolean debugRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("--debug")) {
                return true;
            }
        }
        return false;
    }
}
